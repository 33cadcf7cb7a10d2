"""The chat simulator at `/`: pick a demo member or a new follower and chat. Every message goes
through the same signed (and, in safe mode, encrypted) /wechat callback as WeChat's; pushes sent
by the console channel show up in the same window.

Mounted only when explicitly asked for (`dangjian run --demo` or DANGJIAN_SIMULATOR=on), never
by default: it lists every member with phone numbers and can speak for any account.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request, send_from_directory

from bot.channels.peer import WeChatPeer
from bot.services import Services
from storage import console_inbox, members

STATIC = __file__.rsplit("/", 1)[0] + "/static"
MAX_TEXT = 2000
# What the simulator may speak for, and whose pushes it shows (dangjian chat uses cli-…).
SIM_OPENID = re.compile(r"sim-[A-Za-z0-9_-]{1,60}")
INBOX_OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")
EVENT = re.compile(r"[A-Za-z_]{1,32}")


def bad(reason: str) -> tuple[Response, int]:
    return jsonify({"error": reason}), 400


def sendable(text: str) -> bool:
    """Text that can go into a callback: valid Unicode (no lone surrogates from JSON)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def sim_openid(member_id: int) -> str:
    return f"sim-member-{member_id}"


def blueprint(services: Services, app: Flask) -> Blueprint:
    bp = Blueprint("simulator", __name__)
    settings = services.settings

    def transport(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        with app.test_client() as client:
            r = client.post(path, data=body, headers=headers)
            return r.status_code, r.data

    peer = WeChatPeer(
        transport,
        token=settings.wechat_token,
        app_id=settings.wechat_appid or "wx-demo",
        aes_key=settings.wechat_aes_key,
        now=lambda: services.clock.now().timestamp(),
    )

    @bp.get("/")
    def page() -> Response:
        return send_from_directory(STATIC, "simulator.html")

    @bp.get("/static/<path:name>")
    def static(name: str) -> Response:
        return send_from_directory(STATIC, name)

    def person(m: members.Member) -> dict[str, Any]:
        return {
            "id": m.id,
            "name": m.name,
            "phone": m.phone,
            "branch": m.branch,
            "group": m.group,
            "role": m.role,
            "category": m.category,
            "openid": sim_openid(m.id),
            "bound": members.binding_of(services.store, "wechat", m.id) == sim_openid(m.id),
        }

    @bp.get("/simulator/members")
    def roster() -> Response:
        return jsonify([person(m) for m in members.all_active(services.store)])

    @bp.post("/simulator/send")
    def send() -> tuple[Response, int] | Response:
        data: Any = request.get_json(silent=True)
        if not isinstance(data, dict):
            return bad("send a JSON object")
        openid = data.get("openid")
        if not isinstance(openid, str) or not SIM_OPENID.fullmatch(openid):
            return bad("openid must be a simulator account (sim-…)")
        event = data.get("event") or ""
        if event:
            key = data.get("key") or ""
            if not isinstance(event, str) or not EVENT.fullmatch(event):
                return bad("bad event")
            if not isinstance(key, str) or len(key) > 128 or not sendable(key):
                return bad("bad event key")
            reply = peer.event(openid, event, key)
        else:
            text = data.get("text")
            if not isinstance(text, str) or not text.strip():
                return bad("empty message")
            if not sendable(text):
                return bad("text is not valid Unicode")
            reply = peer.send(openid, text[:MAX_TEXT])
        return jsonify({"status": reply.status, "reply": reply.text})

    @bp.get("/simulator/identity")
    def identity() -> tuple[Response, int] | Response:
        """Who a simulator account is bound to (the side panel follows 绑定 and 解绑)."""
        openid = request.args.get("openid", "")
        if not INBOX_OPENID.fullmatch(openid):
            return bad("bad openid")
        m = members.bound_member(services.store, "wechat", openid)
        return jsonify({"member": person(m) if m is not None else None})

    @bp.post("/simulator/follower")
    def follower() -> Response:
        return jsonify({"openid": "sim-new-" + secrets.token_hex(4)})

    @bp.get("/simulator/inbox")
    def inbox() -> tuple[Response, int] | Response:
        openid = request.args.get("openid", "")
        if not INBOX_OPENID.fullmatch(openid):
            return bad("bad openid")
        raw = request.args.get("after", "0")
        if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
            return bad("after must be a message number")
        return jsonify(console_inbox.since(services.store, "wechat", openid, int(raw)))

    return bp
