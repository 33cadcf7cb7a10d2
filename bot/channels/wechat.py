"""The Official Account (公众号) callback at /wechat in WeChat's three modes (明文 plain, 兼容
compat, 安全 safe): DANGJIAN_WECHAT_MODE, default safe when an AES key is set. In safe mode a
plain callback is refused (its signature does not cover the body)."""

from __future__ import annotations

from flask import Blueprint, Request, Response, request
from wechatpy.crypto import PrpCrypto, WeChatCrypto

from bot.channels.callback import (
    CallbackEndpoint,
    Crypto,
    Refused,
    parse_xml,
    read_body,
    same,
    signature,
    text_field,
    to_inbound,
)
from bot.dialog.router import Router
from bot.services import Services


class OfficialAccount(CallbackEndpoint):
    channel = "wechat"

    def __init__(
        self, services: Services, router: Router, token: str, crypto: Crypto | None, mode: str
    ) -> None:
        super().__init__(services, router, token, crypto)
        self.mode = mode

    def check_signature(self, req: Request) -> tuple[str, str]:
        sig = req.args.get("signature", "")
        nonce = req.args.get("nonce", "")
        timestamp = req.args.get("timestamp", "")
        if not sig or len(nonce) > 128 or not same(signature(self.token, timestamp, nonce), sig):
            raise Refused(403, "bad signature")
        return self.check_timestamp(timestamp), nonce

    def verify(self) -> Response:
        def run() -> Response:
            self.check_signature(request)
            return Response(request.args.get("echostr", ""), mimetype="text/plain")

        return self.respond(run)

    def receive(self) -> Response:
        def run() -> Response:
            timestamp, nonce = self.check_signature(request)
            body = read_body(request, self.limit)
            root = parse_xml(body)
            encrypted = request.args.get("encrypt_type", "raw").lower() == "aes"
            if encrypted:
                if self.crypto is None or self.mode == "plain":
                    raise Refused(400, "safe mode is not configured (DANGJIAN_WECHAT_AES_KEY)")
                encrypt = text_field(root, "Encrypt")
                if not encrypt:
                    raise Refused(400, "missing <Encrypt>")
                inner = self.crypto.decrypt(
                    encrypt, request.args.get("msg_signature", ""), timestamp, nonce
                )
                self.check_replay(timestamp, nonce, inner)
                root = parse_xml(inner)
            elif self.mode == "safe":
                raise Refused(403, "safe mode: only encrypted callbacks are accepted")
            else:
                self.check_replay(timestamp, nonce, body)
            inbound = to_inbound(self.channel, root)
            return self.deliver(
                inbound, self.renderer(inbound, self.crypto if encrypted else None, nonce)
            )

        return self.respond(run)


def blueprint(services: Services, router: Router) -> Blueprint:
    settings = services.settings
    crypto = None
    if settings.wechat_aes_key:
        impl = WeChatCrypto(settings.wechat_token, settings.wechat_aes_key, settings.wechat_appid)
        crypto = Crypto(settings.wechat_token, impl, PrpCrypto, settings.wechat_appid)
    endpoint = OfficialAccount(
        services, router, settings.wechat_token, crypto, settings.wechat_security
    )
    bp = Blueprint("wechat", __name__)
    bp.add_url_rule("/wechat", "verify", endpoint.verify, methods=["GET"])
    bp.add_url_rule("/wechat", "receive", endpoint.receive, methods=["POST"])
    return bp
