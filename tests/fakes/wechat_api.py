"""A fake WeChat + WeCom API server for tests and benchmarks: Flask on 127.0.0.1, in a
background thread (werkzeug make_server, threaded, an ephemeral port).

Endpoints, as the real platforms spell them:
  GET  /cgi-bin/token?grant_type=client_credential&appid=&secret=   Official Account token
  GET  /cgi-bin/gettoken?corpid=&corpsecret=                        WeCom token
  POST /cgi-bin/message/custom/send?access_token=                   customer-service message
  POST /cgi-bin/message/template/send?access_token=                 template message
  POST /cgi-bin/message/send?access_token=                          WeCom app message

Like the real ones, fetching a token invalidates the previous one (a stale token gets 40001),
and errors come back as HTTP 200 with {"errcode": ..., "errmsg": ...}. Every accepted message is
recorded. Faults can be injected: an errcode, an HTTP status, a dropped connection or latency,
for some number of calls, on one API and/or one recipient.

Run it on its own (the benchmark does, to keep it off the measuring process's GIL):
    python -m tests.fakes.wechat_api [--port 0]      prints the base URL, serves until killed
"""

from __future__ import annotations

import itertools
import json
import logging
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, request
from werkzeug.serving import WSGIRequestHandler, make_server

APPID = "wx-fake-appid"
SECRET = "fake-secret"
CORPID = "ww-fake-corp"
CORPSECRET = "fake-corp-secret"
AGENTID = "1000002"

API_PATHS = {
    "custom": "/cgi-bin/message/custom/send",
    "template": "/cgi-bin/message/template/send",
    "wecom": "/cgi-bin/message/send",
}


@dataclass
class Received:
    api: str  # custom | template | wecom
    touser: str
    text: str
    body: dict[str, Any]
    at: float


@dataclass
class Fault:
    api: str | None = None  # custom, template, wecom, token, gettoken; None = any message API
    touser: str | None = None
    errcode: int | None = None
    http_status: int | None = None
    drop: bool = False
    latency: float = 0.0
    times: int | None = 1  # None = forever
    hits: int = field(default=0)

    def matches(self, api: str, touser: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.api is not None and self.api != api:
            return False
        if self.api is None and api in ("token", "gettoken"):
            return False
        return self.touser is None or self.touser == touser


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log_error(self, *args: Any) -> None:
        pass


class FakeWeChatAPI:
    def __init__(
        self,
        appid: str = APPID,
        secret: str = SECRET,
        corpid: str = CORPID,
        corpsecret: str = CORPSECRET,
    ) -> None:
        self.appid, self.secret = appid, secret
        self.corpid, self.corpsecret = corpid, corpsecret
        self._lock = threading.Lock()
        self._serial = itertools.count(1)
        self.tokens: dict[str, str] = {}  # 'wechat' / 'wecom' -> the one valid token
        self.token_fetches: Counter[str] = Counter()
        self.messages: list[Received] = []
        self.faults: list[Fault] = []
        self.calls: Counter[str] = Counter()
        self.latency = 0.0
        self.app = self._build()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- control ----------------------------------------------------------------------------
    def start(self, port: int = 0) -> FakeWeChatAPI:
        self._server = make_server(
            "127.0.0.1", port, self.app, threaded=True, request_handler=_QuietHandler
        )
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeWeChatAPI:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, **kw: Any) -> Fault:
        """Add a fault, e.g. inject(errcode=45009, times=2), inject(http_status=502),
        inject(drop=True, touser='o-1'), inject(latency=2.0, api='custom')."""
        fault = Fault(**kw)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.messages.clear()
            self.calls.clear()
            self.token_fetches.clear()

    def expire_token(self, kind: str = "wechat") -> None:
        """Invalidate the current token (as if another process had fetched a new one)."""
        with self._lock:
            self.tokens.pop(kind, None)

    # -- reading ----------------------------------------------------------------------------
    def received(self, api: str | None = None) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if api is None or m.api == api]

    def count_by_user(self, api: str | None = None) -> Counter[str]:
        return Counter(m.touser for m in self.received(api))

    # -- the app ----------------------------------------------------------------------------
    def _fault(self, api: str, touser: str) -> Fault | None:
        with self._lock:
            self.calls[api] += 1
            for f in self.faults:
                if f.matches(api, touser):
                    f.hits += 1
                    return f
        return None

    def _apply(self, fault: Fault | None) -> Response | None:
        delay = self.latency + (fault.latency if fault else 0.0)
        if delay:
            time.sleep(delay)
        if fault is None:
            return None
        if fault.drop:
            _drop_connection()
            return Response(b"", status=500)
        if fault.http_status:
            return Response("fault", status=fault.http_status, mimetype="text/plain")
        if fault.errcode is not None:
            return _json({"errcode": fault.errcode, "errmsg": f"injected {fault.errcode}"})
        return None

    def _token(self, kind: str) -> str:
        token = f"{kind}-token-{next(self._serial)}"
        with self._lock:
            self.tokens[kind] = token
            self.token_fetches[kind] += 1
        return token

    def _build(self) -> Flask:
        app = Flask("fake_wechat_api")

        @app.get("/cgi-bin/token")
        def token() -> Response:
            failed = self._apply(self._fault("token", ""))
            if failed is not None:
                return failed
            if request.args.get("appid") != self.appid or request.args.get("secret") != self.secret:
                return _json({"errcode": 40013, "errmsg": "invalid appid"})
            return _json({"access_token": self._token("wechat"), "expires_in": 7200})

        @app.get("/cgi-bin/gettoken")
        def gettoken() -> Response:
            failed = self._apply(self._fault("gettoken", ""))
            if failed is not None:
                return failed
            if (
                request.args.get("corpid") != self.corpid
                or request.args.get("corpsecret") != self.corpsecret
            ):
                return _json({"errcode": 40001, "errmsg": "invalid corpsecret"})
            return _json(
                {
                    "errcode": 0,
                    "errmsg": "ok",
                    "access_token": self._token("wecom"),
                    "expires_in": 7200,
                }
            )

        def message(api: str, kind: str) -> Response:
            try:
                body = json.loads(request.get_data() or b"{}")
            except ValueError:
                return _json({"errcode": 47001, "errmsg": "data format error"})
            if not isinstance(body, dict):
                return _json({"errcode": 47001, "errmsg": "data format error"})
            touser = str(body.get("touser", ""))
            failed = self._apply(self._fault(api, touser))
            if failed is not None:
                return failed
            with self._lock:
                valid = self.tokens.get(kind)
            if not valid or request.args.get("access_token") != valid:
                return _json({"errcode": 40001, "errmsg": "invalid credential"})
            if not touser:
                return _json({"errcode": 40003, "errmsg": "invalid openid"})
            if api == "template":
                data = body.get("data") or {}
                text = "\n".join(
                    str(v.get("value", "")) for v in data.values() if isinstance(v, dict)
                )
            else:
                text = str((body.get("text") or {}).get("content", ""))
            with self._lock:
                self.messages.append(Received(api, touser, text, body, time.time()))
            reply: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
            if api == "template":
                reply["msgid"] = next(self._serial)
            if api == "wecom":
                reply.update({"invaliduser": "", "invalidparty": "", "invalidtag": ""})
            return _json(reply)

        @app.post(API_PATHS["custom"])
        def custom() -> Response:
            return message("custom", "wechat")

        @app.post(API_PATHS["template"])
        def template() -> Response:
            return message("template", "wechat")

        @app.post(API_PATHS["wecom"])
        def wecom() -> Response:
            return message("wecom", "wecom")

        @app.get("/_fake/stats")
        def stats() -> Response:
            counts = self.count_by_user()
            return _json(
                {
                    "messages": sum(counts.values()),
                    "recipients": len(counts),
                    "duplicates": sum(n - 1 for n in counts.values() if n > 1),
                    "calls": dict(self.calls),
                    "token_fetches": dict(self.token_fetches),
                }
            )

        @app.post("/_fake/clear")
        def clear() -> Response:
            self.clear()
            return _json({"ok": True})

        return app


def _json(payload: dict[str, Any]) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), mimetype="application/json")


def _drop_connection() -> None:
    """Reset the TCP connection under the current request: the client sees a network error."""
    sock = request.environ.get("werkzeug.socket")
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def main() -> None:
    import argparse
    import signal

    parser = argparse.ArgumentParser(description="A fake WeChat + WeCom API on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    fake = FakeWeChatAPI().start(args.port)
    print(fake.url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    fake.stop()


if __name__ == "__main__":
    main()
