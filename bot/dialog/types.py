"""What flows through the dialog layer: an Inbound message in, a Reply out, and the Context."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import cached_property
from typing import TYPE_CHECKING, Any

from bot.clock import day_of, stamp

if TYPE_CHECKING:
    from bot.services import Services
    from storage.members import Member


# A string JSON writes as it is, between quotes (ensure_ascii=False escapes only these).
_PLAIN = re.compile(r'[^"\\\x00-\x1f]*')


@dataclass(frozen=True)
class Inbound:
    """One member message or event, already verified and decoded by a channel."""

    channel: str  # 'wechat' | 'wecom'
    user_id: str  # openid (Official Account) or userid (WeCom)
    msg_type: str  # text, voice, image, video, shortvideo, location, link, file, event, ...
    text: str = ""  # text content, or the voice recognition result
    event: str = ""  # lower case: subscribe, unsubscribe, click, view, location, ...
    event_key: str = ""
    msg_id: str = ""
    create_time: int = 0
    account: str = ""  # ToUserName: our account id

    @cached_property
    def dedupe_key(self) -> str:
        """The message's key in the inbound log: its CreateTime (ten digits), then MsgId +
        sender for messages (MsgIds of different senders can collide), sender + CreateTime +
        event + key for events; JSON keeps the parts apart whatever they contain. A WeChat
        retry is the same message, CreateTime included (the platform's own advice for events
        is to tell retries apart by sender + CreateTime). Time, then MsgId (which grows with
        time) first, so that a new key lands at the end of the log's key index, on pages in
        memory, instead of on a random page of a month of messages."""
        kind = "msg" if self.msg_id else "evt"
        return f"{self.channel}:{kind}:{max(self.create_time, 0):010d}:{self._parts(True)}"

    @cached_property
    def legacy_key(self) -> str:
        """The key earlier versions gave the same message (sender first, no time): a retry of
        a message they logged is still found (storage/arrivals.py; until the log forgets it)."""
        return f"{self.channel}:{'msg' if self.msg_id else 'evt'}:{self._parts(False)}"

    def _parts(self, id_first: bool) -> str:
        if self.msg_id:
            a, b = (self.msg_id, self.user_id) if id_first else (self.user_id, self.msg_id)
            if _PLAIN.fullmatch(a) and _PLAIN.fullmatch(b):
                return f'["{a}", "{b}"]'  # (what json.dumps writes: nothing to escape)
            return json.dumps([a, b], ensure_ascii=False)
        return json.dumps(
            [self.user_id, self.create_time, self.event, self.event_key], ensure_ascii=False
        )


@dataclass(frozen=True)
class Reply:
    """A text reply; empty text means an empty body (nothing shown, retries stop)."""

    text: str = ""

    @property
    def empty(self) -> bool:
        return not self.text


@dataclass
class Context:
    services: Services
    inbound: Inbound
    member: Member | None
    now: datetime
    state: dict[str, Any] = field(default_factory=dict)
    # The deactivated member this account belongs to (then `member` is None): they keep their
    # history but act as no one (see `dangjian members deactivate`).
    former: Member | None = None
    # Lines shown before the reply, e.g. that a waiting notice preview was dropped.
    notes: list[str] = field(default_factory=list)
    # Whether what this message wrote must be on disk before the reply leaves. A policy
    # answer and the fallback write only statistics and the session (a power cut that loses
    # them costs nothing the member was told): they commit without waiting for the disk.
    durable: bool = True
    # Policy questions this message asked (storage/knowledge.py `record_question` arguments):
    # written with the message's log row, in its write transaction or in the batch of the
    # read path (storage/deferred.py); the session names them by the message's key.
    questions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def store(self) -> Any:
        return self.services.store

    @property
    def settings(self) -> Any:
        return self.services.settings

    @property
    def tz(self) -> tzinfo:
        """The organization's zone: convert stored (UTC) instants to it before showing them."""
        return self.services.clock.tz  # type: ignore[no-any-return]

    @property
    def today(self) -> str:
        return day_of(self.now)

    @property
    def stamp(self) -> str:
        return stamp(self.now)
