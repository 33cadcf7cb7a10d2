"""The chat simulator at `/`: pick a demo member or a new follower and chat. Every message goes
through the same signed (and, in safe mode, encrypted) /wechat callback as WeChat's; pushes sent
by the console channel show up in the same window.

Mounted only when explicitly asked for (`dangjian run --demo` or DANGJIAN_SIMULATOR=on), never
by default: it lists every member with phone numbers and can speak for any account.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request, send_from_directory

from bot.channels.peer import WeChatPeer
from bot.services import Services
from storage import console_inbox, members

STATIC = __file__.rsplit("/", 1)[0] + "/static"
MAX_TEXT = 2000


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

    @bp.get("/simulator/members")
    def roster() -> Response:
        people = [
            {
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
            for m in members.all_active(services.store)
        ]
        return jsonify(people)

    @bp.post("/simulator/send")
    def send() -> tuple[Response, int] | Response:
        data: Any = request.get_json(silent=True) or {}
        openid = str(data.get("openid") or "")[:64]
        if not openid.startswith("sim-"):
            return jsonify({"error": "openid must be a simulator account"}), 400
        event = str(data.get("event") or "")
        if event:
            reply = peer.event(openid, event, str(data.get("key") or ""))
        else:
            text = str(data.get("text") or "")[:MAX_TEXT]
            if not text.strip():
                return jsonify({"error": "empty message"}), 400
            reply = peer.send(openid, text)
        return jsonify({"status": reply.status, "reply": reply.text})

    @bp.post("/simulator/follower")
    def follower() -> Response:
        return jsonify({"openid": "sim-new-" + secrets.token_hex(4)})

    @bp.get("/simulator/inbox")
    def inbox() -> Response:
        openid = request.args.get("openid", "")
        try:
            after = int(request.args.get("after", "0"))
        except ValueError:
            after = 0
        return jsonify(console_inbox.since(services.store, "wechat", openid, after))

    return bp
