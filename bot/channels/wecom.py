"""The WeCom (企业微信) self-built app callback at /wecom.

WeCom always encrypts: the URL check is a GET with msg_signature, timestamp, nonce and an
encrypted echostr, answered with the decrypted echostr; messages are POSTs whose <Encrypt>
carries the message, and replies go back encrypted. The member is whoever the roster lists with
that WeCom userid (企业微信账号): no binding needed (storage/arrivals.py looks channel 'wecom' up by
members.wecom_userid). Everything else — dedupe of retries, the intent table, replies — is
the same as on the Official Account.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Request, Response, request
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto

from bot.channels.callback import (
    CallbackEndpoint,
    Crypto,
    Refused,
    parse_xml,
    read_body,
    text_field,
    to_inbound,
)
from bot.dialog.router import Router
from bot.services import Services

log = logging.getLogger(__name__)

MAX_ECHOSTR = 1024


class WeComApp(CallbackEndpoint):
    channel = "wecom"

    def __init__(self, services: Services, router: Router, token: str, crypto: Crypto) -> None:
        super().__init__(services, router, token, crypto)
        self.wecom_crypto = crypto

    def params(self, req: Request) -> tuple[str, str, str]:
        msg_signature = req.args.get("msg_signature", "")
        nonce = req.args.get("nonce", "")
        if not msg_signature or len(msg_signature) > 128 or len(nonce) > 128:
            raise Refused(403, "missing msg_signature")
        timestamp = self.check_timestamp(req.args.get("timestamp"))
        return msg_signature, timestamp, nonce

    def verify(self) -> Response:
        def run() -> Response:
            msg_signature, timestamp, nonce = self.params(request)
            echostr = request.args.get("echostr", "")
            if not echostr or len(echostr) > MAX_ECHOSTR:
                raise Refused(400, "missing echostr")
            plain = self.wecom_crypto.decrypt(echostr, msg_signature, timestamp, nonce)
            return Response(plain, mimetype="text/plain")

        return self.respond(run)

    def receive(self) -> Response:
        def run() -> Response:
            msg_signature, timestamp, nonce = self.params(request)
            body = read_body(request, self.limit)
            root = parse_xml(body)
            encrypt = text_field(root, "Encrypt")
            if not encrypt:
                raise Refused(400, "missing <Encrypt>")
            inner = self.wecom_crypto.decrypt(encrypt, msg_signature, timestamp, nonce)
            self.check_replay(timestamp, nonce, inner)
            inbound = to_inbound(self.channel, parse_xml(inner))
            return self.deliver(inbound, self.renderer(inbound, self.wecom_crypto, nonce))

        return self.respond(run)


def blueprint(services: Services, router: Router) -> Blueprint:
    settings = services.settings
    bp = Blueprint("wecom", __name__)
    impl = WeChatCrypto(settings.wecom_token, settings.wecom_aes_key, settings.wecom_corpid)
    crypto = Crypto(settings.wecom_token, impl, PrpCrypto, settings.wecom_corpid)
    endpoint = WeComApp(services, router, settings.wecom_token, crypto)
    bp.add_url_rule("/wecom", "verify", endpoint.verify, methods=["GET"])
    bp.add_url_rule("/wecom", "receive", endpoint.receive, methods=["POST"])
    return bp
