"""The callback protocol shared by the Official Account and WeCom: signatures, freshness,
size limits, AES, XML parsing with type checks, and safe reply rendering.

wechatpy does the cryptography and the reply rendering; this module adds what wechatpy 1.8.18
leaves out: constant-time signature comparison, a timestamp window, body limits, field type
checks (attributes and repeated tags turn fields into dicts and lists) and reply sanitizing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import xmltodict
from flask import Request, Response
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

from bot.dialog.router import Outcome, Router
from bot.dialog.types import Inbound, Reply
from bot.services import Services
from bot.text import strip_control
from storage import replays

log = logging.getLogger(__name__)

_XML_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
REQUIRED = ("ToUserName", "FromUserName", "CreateTime", "MsgType")
PRUNE_EVERY = 10  # seconds between prunes of old (timestamp, nonce) pairs, per process


class Refused(Exception):
    """A request we answer with a 4xx status and a short plain-text reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def signature(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "replace"), b.encode("utf-8", "replace"))


def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing anything over `limit` bytes, with or without Content-Length."""
    length = request.content_length
    if length is not None and length > limit:
        raise Refused(413, "body too large")
    parts: list[bytes] = []
    size = 0
    try:
        if length is not None:  # the usual case: one read of the announced size
            return bytes(request.stream.read(length))
        while size <= limit:  # chunked: read until the end or past the limit
            chunk = request.stream.read(min(65536, limit + 1 - size))
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
    except Exception as exc:  # werkzeug's own limit, a broken chunked stream, a client gone away
        log.debug("body read failed: %r", exc)
        if type(exc).__name__ == "RequestEntityTooLarge":
            raise Refused(413, "body too large") from exc
        raise Refused(400, "unreadable body") from exc
    if size > limit:
        raise Refused(413, "body too large")
    return b"".join(parts)


def parse_xml(data: bytes | str) -> dict[str, Any]:
    """Parse a callback body; the root must be <xml>. Malformed input raises Refused(400)."""
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")
    # Control characters are not allowed in XML 1.0; members can still type them.
    data = _XML_CONTROL.sub(b"", data)
    if not data.strip():
        raise Refused(400, "empty body")
    try:
        doc = xmltodict.parse(data, disable_entities=True)
    except Exception as exc:  # ExpatError, ValueError for entities, UnicodeDecodeError, ...
        raise Refused(400, "malformed XML") from exc
    if not isinstance(doc, dict) or list(doc) != ["xml"]:
        raise Refused(400, "root element must be <xml>")
    root = doc["xml"]
    if not isinstance(root, dict):
        raise Refused(400, "empty <xml>")
    return root


def text_field(root: Mapping[str, Any], name: str) -> str | None:
    """A field's text. Attributes are ignored; a repeated tag is refused."""
    value = root.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        text = value.get("#text")
        return text if isinstance(text, str) else ""
    raise Refused(400, f"repeated <{name}>")


def to_inbound(channel: str, root: Mapping[str, Any]) -> Inbound:
    fields = {}
    for name in REQUIRED:
        value = text_field(root, name)
        if not value:
            raise Refused(400, f"missing <{name}>")
        fields[name] = value.strip()
    try:
        create_time = int(fields["CreateTime"])
    except ValueError as exc:
        raise Refused(400, "bad <CreateTime>") from exc
    msg_type = fields["MsgType"].lower()
    text = ""
    if msg_type == "text":
        text = text_field(root, "Content") or ""
    elif msg_type == "voice":
        text = text_field(root, "Recognition") or ""
    event = (text_field(root, "Event") or "").lower() if msg_type == "event" else ""
    return Inbound(
        channel=channel,
        user_id=fields["FromUserName"],
        msg_type=msg_type,
        text=strip_control(text)[:4000],
        event=event,
        event_key=(text_field(root, "EventKey") or "").strip() if msg_type == "event" else "",
        msg_id=(text_field(root, "MsgId") or "").strip(),
        create_time=create_time,
        account=fields["ToUserName"],
    )


def safe_content(text: str) -> str:
    """Text that wechatpy can put in a CDATA section and that stays valid XML."""
    return strip_control(text).replace("]]>", "]]]]><![CDATA[>")


def render_text(inbound: Inbound, reply: Reply, timestamp: int) -> str:
    """The reply XML. Every CDATA field is sanitized, the account and user ids too: they come
    from the callback and may hold `]]>` (escaped as `]]&gt;` in the request)."""
    return str(
        TextReply(
            source=safe_content(inbound.account),
            target=safe_content(inbound.user_id),
            content=safe_content(reply.text),
            time=timestamp,
        ).render()
    )


@dataclass
class Crypto:
    """AES for one account: wechatpy's PrpCrypto-based crypto object plus the token."""

    token: str
    impl: Any  # wechatpy.crypto.WeChatCrypto or wechatpy.enterprise.crypto.WeChatCrypto
    prp: Callable[[bytes], Any]  # the PrpCrypto class for decrypting
    app_id: str

    def decrypt(self, encrypt: str, msg_signature: str, timestamp: str, nonce: str) -> str:
        if not same(signature(self.token, timestamp, nonce, encrypt), msg_signature):
            raise Refused(403, "bad msg_signature")
        try:
            return str(self.prp(self.impl.key).decrypt(encrypt, self.app_id))
        except Exception as exc:  # bad base64, padding, app id
            raise Refused(400, "cannot decrypt") from exc

    def encrypt(self, xml: str, nonce: str, timestamp: str) -> str:
        return str(self.impl.encrypt_message(xml, nonce, timestamp))


class CallbackEndpoint:
    """One platform's callback URL: subclasses say where the signature and payload are."""

    channel = "wechat"

    def __init__(
        self, services: Services, router: Router, token: str, crypto: Crypto | None
    ) -> None:
        self.services = services
        self.router = router
        self.token = token
        self.crypto = crypto
        self.limit = services.settings.max_body
        self.tolerance = services.settings.timestamp_tolerance
        self._pruned_at = -PRUNE_EVERY  # when this process last pruned old (timestamp, nonce)s
        self._replays: replays.ReplayMemory | None = None  # the store's (storage/replays.py)

    def check_timestamp(self, raw: str | None) -> str:
        if not raw or not raw.isdigit() or len(raw) > 12:
            raise Refused(403, "missing or bad timestamp")
        now = self.services.clock.now().timestamp()
        if abs(now - int(raw)) > self.tolerance:
            raise Refused(403, "stale timestamp")
        return raw

    def check_replay(self, timestamp: str, nonce: str, message: bytes | str) -> None:
        """Refuse a second use of a (timestamp, nonce) with a different message (403).

        In plain mode the signature covers only token, timestamp and nonce, so a logged callback
        URL would otherwise carry any body for the whole timestamp window. A byte-identical
        message (a WeChat retry, if it repeats the query string) passes: the router's inbound
        log then answers it with the stored reply and runs nothing. `message` is the body in
        plain mode and the decrypted message in safe mode (a retry is encrypted afresh). The
        pair is recorded before the message is handled, by one statement shared by every
        process (storage/replays.py); pairs older than the window are pruned every
        PRUNE_EVERY seconds per process.
        """
        data = message.encode("utf-8") if isinstance(message, str) else message
        digest = hashlib.sha256(data).hexdigest()
        now = int(self.services.clock.now().timestamp())
        store = self.services.store
        if now - self._pruned_at >= PRUNE_EVERY or now < self._pruned_at:
            self._pruned_at = now
            replays.prune(store, now - self.tolerance - 1)
        pair = replays.CallbackPair(self.channel, int(timestamp), nonce, digest)
        if self._replays is None:
            self._replays = replays.memory(store)
        if self._replays.check(pair) == "other":
            raise Refused(403, "timestamp and nonce already used")

    def respond(self, fn: Callable[[], Response]) -> Response:
        try:
            return fn()
        except Refused as exc:
            log.info("%s callback refused: %s %s", self.channel, exc.status, exc.reason)
            return Response(exc.reason, status=exc.status, mimetype="text/plain")

    def renderer(
        self, inbound: Inbound, crypto: Crypto | None, nonce: str
    ) -> Callable[[Reply], bytes]:
        """How this message's reply is rendered: text XML, encrypted when `crypto` is given;
        an empty reply is the plain `success` that stops WeChat's retries."""
        clock = self.services.clock

        def render(reply: Reply) -> bytes:
            if reply.empty:
                return b"success"
            ts = int(clock.now().timestamp())
            xml = render_text(inbound, reply, ts)
            if crypto is not None:
                xml = crypto.encrypt(xml, nonce, str(ts))
            return xml.encode("utf-8")

        return render

    def deliver(self, inbound: Inbound, render: Callable[[Reply], bytes]) -> Response:
        outcome: Outcome = self.router.handle(inbound, render)
        if not outcome.response or outcome.response == b"success":
            return Response("success", mimetype="text/plain")
        return Response(outcome.response, mimetype="application/xml")
