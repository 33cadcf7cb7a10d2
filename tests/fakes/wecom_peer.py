"""Plays the WeCom (企业微信) server: encrypts and signs callbacks with wechatpy's enterprise
crypto the way WeCom does, verifies the URL with an encrypted echostr, and decrypts replies.
Same `send` / `event` interface as bot.channels.peer.WeChatPeer, so conversations read alike."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import xmltodict
from flask.testing import FlaskClient
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto

from bot.channels.callback import signature
from bot.channels.peer import PeerReply


class WeComPeer:
    def __init__(
        self,
        client: FlaskClient,
        token: str,
        aes_key: str,
        corp_id: str,
        agent_id: str = "1000002",
        path: str = "/wecom",
        now: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.token = token
        self.corp_id = corp_id
        self.agent_id = agent_id
        self.crypto = WeChatCrypto(token, aes_key, corp_id)
        self.path = path
        self.now = now
        self._msg_id = 7_000_000_000

    # -- URL verification ---------------------------------------------------------------------
    def verify(
        self, echo: str, timestamp: int | None = None, sign: bool = True
    ) -> tuple[int, bytes]:
        ts = str(timestamp if timestamp is not None else int(self.now()))
        nonce = secrets.token_hex(5)
        echostr = PrpCrypto(self.crypto.key).encrypt(echo, self.corp_id)
        echostr = echostr.decode() if isinstance(echostr, bytes) else echostr
        sig = signature(self.token, ts, nonce, echostr) if sign else "0" * 40
        query = urlencode(
            {"msg_signature": sig, "timestamp": ts, "nonce": nonce, "echostr": echostr}
        )
        r = self.client.get(f"{self.path}?{query}")
        return r.status_code, r.data

    # -- messages -----------------------------------------------------------------------------
    def next_msg_id(self) -> str:
        self._msg_id += 1
        return str(self._msg_id)

    def _xml(self, userid: str, msg_type: str, extra: dict[str, str]) -> str:
        doc = {
            "xml": {
                "ToUserName": self.corp_id,
                "FromUserName": userid,
                "CreateTime": str(int(self.now())),
                "MsgType": msg_type,
                **extra,
                "AgentID": self.agent_id,
            }
        }
        return str(xmltodict.unparse(doc, full_document=False))

    def text_xml(self, userid: str, text: str, msg_id: str | None = None) -> str:
        return self._xml(userid, "text", {"Content": text, "MsgId": msg_id or self.next_msg_id()})

    def post(self, xml: str, sign: bool = True, timestamp: int | None = None) -> PeerReply:
        ts = str(timestamp if timestamp is not None else int(self.now()))
        nonce = secrets.token_hex(5)
        wrapped = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, ts))["xml"]
        body = xmltodict.unparse(
            {
                "xml": {
                    "ToUserName": self.corp_id,
                    "AgentID": self.agent_id,
                    "Encrypt": wrapped["Encrypt"],
                }
            },
            full_document=False,
        )
        sig = wrapped["MsgSignature"] if sign else "0" * 40
        query = urlencode({"msg_signature": sig, "timestamp": ts, "nonce": nonce})
        r = self.client.post(
            f"{self.path}?{query}", data=body.encode(), headers={"Content-Type": "text/xml"}
        )
        return PeerReply(
            r.status_code, r.data, self.open_reply(r.data) if r.status_code == 200 else {}
        )

    def open_reply(self, raw: bytes) -> dict[str, Any]:
        if raw in (b"", b"success"):
            return {}
        root = xmltodict.parse(raw)["xml"]
        inner = self.crypto.decrypt_message(
            raw, root["MsgSignature"], root["TimeStamp"], root["Nonce"]
        )
        return dict(xmltodict.parse(inner)["xml"])

    def send(self, userid: str, text: str, **kw: Any) -> PeerReply:
        return self.post(self.text_xml(userid, text, **kw))

    def event(self, userid: str, event: str, key: str = "", **kw: Any) -> PeerReply:
        extra = {"Event": event}
        if key:
            extra["EventKey"] = key
        return self.post(self._xml(userid, "event", extra))
