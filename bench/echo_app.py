"""The baseline for bench/webhook.py: the protocol work of a callback and nothing else.

It checks the signature and the timestamp window, reads the body with the size limit, parses
the XML with the field checks and renders a text reply, with the same functions as the real
app (bot/channels/callback.py); no database, no dialog. It runs under the same gunicorn
settings as `dangjian serve` (bot/server.py):

    python -m bench.echo_app --port 8001 --workers 2 --token bench-token
"""

from __future__ import annotations

import argparse
import time

from flask import Flask, Response, request

from bot.channels.callback import (
    Refused,
    parse_xml,
    read_body,
    render_text,
    same,
    signature,
    to_inbound,
)
from bot.dialog.types import Reply

MAX_BODY = 64 * 1024
TOLERANCE = 300


def make_app(token: str) -> Flask:
    app = Flask(__name__)

    @app.post("/wechat")
    def wechat() -> Response:
        try:
            sig = request.args.get("signature", "")
            nonce = request.args.get("nonce", "")
            timestamp = request.args.get("timestamp", "")
            if not sig or not same(signature(token, timestamp, nonce), sig):
                raise Refused(403, "bad signature")
            if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE:
                raise Refused(403, "stale timestamp")
            inbound = to_inbound("wechat", parse_xml(read_body(request, MAX_BODY)))
        except Refused as exc:
            return Response(exc.reason, status=exc.status, mimetype="text/plain")
        xml = render_text(inbound, Reply("收到"), int(time.time()))
        return Response(xml.encode("utf-8"), mimetype="application/xml")

    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok", mimetype="text/plain")

    return app


def main() -> None:
    from bot.server import run_gunicorn

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--token", required=True)
    args = ap.parse_args()
    run_gunicorn(make_app(args.token), args.host, args.port, args.workers)


if __name__ == "__main__":
    main()
