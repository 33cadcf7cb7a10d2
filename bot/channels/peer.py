"""Plays the WeChat server: builds signed (and, in safe mode, encrypted) callbacks the way
WeChat does, and verifies and decrypts the replies. Used by `dangjian chat`, the chat
simulator page, the tests and the benchmarks.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import xmltodict
from wechatpy.crypto import WeChatCrypto

from bot.channels.callback import signature

# (path with query, body, headers) -> (status, body)
Transport = Callable[[str, bytes, dict[str, str]], tuple[int, bytes]]


@dataclass
class PeerReply:
    status: int
    body: bytes
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        content = self.fields.get("Content")
        return content if isinstance(content, str) else ""


class WeChatPeer:
    def __init__(
        self,
        transport: Transport,
        token: str,
        app_id: str = "wx-demo",
        aes_key: str = "",
        account: str = "gh_dangjian",
        path: str = "/wechat",
        now: Callable[[], float] = time.time,
    ) -> None:
        self.transport = transport
        self.token = token
        self.app_id = app_id
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None
        self.account = account
        self.path = path
        self.now = now

    # -- building messages ------------------------------------------------------------------
    @staticmethod
    def next_msg_id() -> str:
        """A random positive 63-bit MsgId: unique across worker processes (a per-process counter
        gave two workers the same ids)."""
        return str(secrets.randbits(63) or 1)

    def text_xml(
        self, openid: str, text: str, msg_id: str | None = None, create_time: int | None = None
    ) -> str:
        return self._xml(
            openid,
            "text",
            {"Content": text, "MsgId": msg_id or self.next_msg_id()},
            create_time,
        )

    def event_xml(
        self, openid: str, event: str, key: str = "", create_time: int | None = None
    ) -> str:
        fields: dict[str, str] = {"Event": event}
        if key:
            fields["EventKey"] = key
        return self._xml(openid, "event", fields, create_time)

    def _xml(
        self, openid: str, msg_type: str, extra: dict[str, str], create_time: int | None
    ) -> str:
        doc = {
            "xml": {
                "ToUserName": self.account,
                "FromUserName": openid,
                "CreateTime": str(create_time if create_time is not None else int(self.now())),
                "MsgType": msg_type,
                **extra,
            }
        }
        return str(xmltodict.unparse(doc, full_document=False))

    # -- sending ----------------------------------------------------------------------------
    def post(
        self,
        xml: str | bytes,
        timestamp: int | None = None,
        nonce: str | None = None,
        sign: bool = True,
        headers: dict[str, str] | None = None,
    ) -> PeerReply:
        ts = str(timestamp if timestamp is not None else int(self.now()))
        nonce = nonce or secrets.token_hex(5)
        params = {"timestamp": ts, "nonce": nonce, "openid": ""}
        params["signature"] = signature(self.token, ts, nonce) if sign else "0" * 40
        body = xml.encode("utf-8") if isinstance(xml, str) else xml
        if self.crypto is not None and isinstance(xml, str):
            wrapped = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, ts))["xml"]
            params["encrypt_type"] = "aes"
            params["msg_signature"] = wrapped["MsgSignature"]
            body = xmltodict.unparse(
                {"xml": {"ToUserName": self.account, "Encrypt": wrapped["Encrypt"]}},
                full_document=False,
            ).encode("utf-8")
        status, raw = self.transport(
            f"{self.path}?{urlencode(params)}",
            body,
            {"Content-Type": "text/xml", **(headers or {})},
        )
        return PeerReply(status, raw, self.open_reply(raw) if status == 200 else {})

    def open_reply(self, raw: bytes) -> dict[str, Any]:
        """Check and decode a reply as WeChat would; raises on anything invalid."""
        if raw in (b"", b"success"):
            return {}
        root = xmltodict.parse(raw)["xml"]
        if self.crypto is not None and "Encrypt" in root:
            inner = self.crypto.decrypt_message(
                raw, root["MsgSignature"], root["TimeStamp"], root["Nonce"]
            )
            root = xmltodict.parse(inner)["xml"]
        return dict(root)

    def send(self, openid: str, text: str, **kw: Any) -> PeerReply:
        return self.post(self.text_xml(openid, text, **kw))

    def event(self, openid: str, event: str, key: str = "", **kw: Any) -> PeerReply:
        return self.post(self.event_xml(openid, event, key, **kw))


def http_transport(base_url: str, timeout: float = 10.0) -> Transport:
    """A transport that posts over HTTP (the terminal simulator, the benchmarks)."""
    import requests

    session = requests.Session()

    def send(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        r = session.post(base_url.rstrip("/") + path, data=body, headers=headers, timeout=timeout)
        return r.status_code, r.content

    return send
