"""`GET /m/<row>.<signature>`: the full text of one push, behind a template message's link.

Template messages show each value only up to 20 characters, so the link carries the whole
notice. The signature is an HMAC of the outbox row id under a key derived from the Official
Account secret (bot/channels/templates.py): a link can't be guessed or altered to show another
member's message. A link shows one message and nothing else; a bad or unknown one is 404.
"""

from __future__ import annotations

from html import escape

from flask import Blueprint, Response, abort

from bot.channels.templates import link_secret, verify
from bot.services import Services
from storage import outbox

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<style>body{{font:16px/1.7 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;
background:#f5f5f5}}main{{background:#fff;margin:12px;padding:16px 18px;border-radius:8px}}
h1{{font-size:18px;color:#b71c1c;margin:0 0 12px}}p{{white-space:pre-wrap;margin:0}}
small{{display:block;color:#888;margin-top:16px}}</style></head>
<body><main><h1>{title}</h1><p>{text}</p><small>{when}</small></main></body></html>
"""


def blueprint(services: Services) -> Blueprint:
    bp = Blueprint("message", __name__)

    @bp.get("/m/<token>")
    def message(token: str) -> Response:
        from bot.channels.push import title_for
        from bot.clock import parse_stamp

        row_id = verify(link_secret(services.settings), token[:80])
        row = outbox.get(services.store, row_id) if row_id is not None else None
        if row is None:
            abort(404)
        created = parse_stamp(str(row["created_at"])).astimezone(services.clock.tz)
        body = PAGE.format(
            title=escape(title_for(str(row["kind"]))),
            text=escape(str(row["text"])),
            when=escape(created.strftime("%Y-%m-%d %H:%M")),
        )
        response = Response(body, mimetype="text/html")
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Robots-Tag"] = "noindex"
        return response

    return bp
