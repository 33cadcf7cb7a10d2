"""Dedupe retries, find the member and session, pick the intent, and remember the reply.

Two paths, chosen per message:

- **Read-only** (帮助, 我的积分, 排行, 错题, 出勤, 未完成 … — intents marked `read_only` — and
  messages that change nothing: greetings, unsupported types, most events). The retry check,
  the member, the session and the handler run in a read transaction (`store.read()`), which
  takes no writer lock: on SQLite readers never wait for the writer, so these messages don't
  queue behind check-ins. Its log row with the response bytes (a retry gets them back, byte
  for byte) and, only when it moved by more than TOUCH_EVERY, the account's last message time
  (the 48 h window) are queued and written in batches (storage/deferred.py). Intents marked
  `read_first` (打卡: the second of the day changes nothing) are tried here too, and so are
  texts that invoke no command (policy questions) unless a writing dialog (a quiz, a
  broadcast) holds the session: a policy answer leaves only statistics and the session
  (`ctx.durable` False), which go into the same batch as its log row. If the handler turns
  out to write after all (a statement or `tx()` in the read transaction raises
  `storage.db.ReadOnly`) or changes the session otherwise (a dialog in progress took the
  message), the message goes down the write path instead; the read attempt left nothing
  behind.
- **Write** (everything else): everything for the message happens in one write transaction —
  the retry check, the handler's side effects (check-in, points, outbox rows), the session, and
  the inbound-log row with the rendered response. Two processes never handle messages from the
  same sender at once: on SQLite every write transaction is exclusive (flock + BEGIN
  IMMEDIATE); on PostgreSQL the transaction first takes an advisory lock on the sender
  (`store.lock`), so a retry arriving at a second web host waits for the first to commit and
  then finds the logged response. A crash rolls all of it back, so WeChat's retry runs it
  again; a retry that arrives after the commit gets the stored response bytes back and runs
  nothing. A handler that raises leaves nothing behind either: its transaction rolls back and
  the message is logged with an apology. A policy answer (or the fallback) that lands here
  commits without waiting for the disk (`ctx.durable`): it writes statistics and the session
  only.

The callback's (timestamp, nonce) was checked by the channel before the router runs
(storage/replays.py); the four lookups both paths start with are one statement
(storage/arrivals.py).
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from bot.clock import parse_stamp
from bot.clock import stamp as _stamp
from bot.dialog import replies
from bot.dialog.intents import INTENTS, MENU_KEYS, STATE_HANDLERS, Intent
from bot.dialog.types import Context, Inbound, Reply
from bot.services import Services
from bot.text import command_form
from storage import arrivals, members, sessions
from storage import inbound as inbound_log
from storage import knowledge as kb
from storage.db import ReadOnly
from storage.deferred import DeferredWrites, Entry

log = logging.getLogger(__name__)

Render = Callable[[Reply], bytes]
SEPARATORS = (" ", ":", "：", ",", "，")
# A read-only message refreshes the account's last message time (the 48 h customer-service
# window) only when the stored one is older than this: the window then ends at most this much
# early, never late.
TOUCH_EVERY = timedelta(minutes=5)
WRITING_EVENTS = frozenset({"subscribe", "unsubscribe"})


@dataclass(frozen=True)
class Outcome:
    response: bytes
    reply: Reply
    intent: str


class Router:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.deferred = DeferredWrites(services.store, services.settings.log_batch_ms / 1000)
        services.store.closers.append(self.deferred.close)

    def handle(self, inbound: Inbound, render: Render) -> Outcome:
        """Answer a message (see the module docstring)."""
        now = self.services.clock.now()
        if self.read_only(inbound):
            outcome = self.answer_read_only(inbound, now, render)
            if outcome is not None:
                return outcome
        self.prepare(inbound)
        return self.answer_writing(inbound, now, render)

    def prepare(self, inbound: Inbound) -> None:
        """Work that needs no database, done before the writer lock is taken: the policy
        search of a message that is not a command (the library remembers the result, so the
        handler inside the transaction finds it). The lock is held for the database work
        only, not for a millisecond of searching while every other writer waits."""
        library = self.services.knowledge
        if library is None or inbound.msg_type not in ("text", "voice"):
            return
        if _invokes_command(inbound.text):
            return
        from bot.dialog.handlers import ask

        text = ask.question_text(inbound.text)
        if text:
            library.search(text)

    def answer_read_only(self, inbound: Inbound, now: datetime, render: Render) -> Outcome | None:
        """The read-only path (see the module docstring); None when the message must be
        handled by the write path after all."""
        store = self.services.store
        key = inbound.dedupe_key
        try:
            with store.read():
                seen = self.deferred.logged(key)
                if seen is None:
                    arrival = self.arrival(inbound, key)
                    seen, last = arrival.logged, arrival.last_inbound
                    if seen is None and self.in_dialog(inbound, arrival.state):
                        return None
                if seen is None:
                    ctx, before, intent, reply = self.run(inbound, now, arrival)
                    changed = ctx.state != before
                    if store.refused_write:  # (a handler may catch ReadOnly)
                        return None
                    if (changed or ctx.questions) and ctx.durable:
                        return None  # a dialog moved: its session is written at once
        except ReadOnly:
            return None
        except Exception:
            log.exception("read-only attempt failed for %s", key)
            return None
        if seen is not None:  # a retry: the logged bytes
            return self.replay(seen, render)
        response = render(reply)
        at = ctx.stamp
        logged = self.deferred.add(
            Entry(
                log=self.log_row(inbound, now, intent, reply, response, at),
                touch=(inbound.channel, inbound.user_id, at) if _stale(last, now) else None,
                session=(inbound.channel, inbound.user_id, ctx.state, at) if changed else None,
                questions=tuple(ctx.questions),
            )
        )
        if logged is not None:  # a retry answered meanwhile by another process: it wins
            return self.replay(logged, render)
        return Outcome(response, reply, intent)

    def answer_writing(self, inbound: Inbound, now: datetime, render: Render) -> Outcome:
        """The write path: one durable transaction (see the module docstring)."""
        store = self.services.store
        key = inbound.dedupe_key
        self.deferred.settle(inbound.channel, inbound.user_id)  # (its session, then ours)
        try:
            with store.tx():
                store.lock(self.lock_name(inbound))
                arrival = arrivals.lookup(
                    store, key, inbound.channel, inbound.user_id, inbound.legacy_key
                )
                seen = self.deferred.logged(key) or arrival.logged
                if seen is not None:
                    return self.replay(seen, render)
                members.touch_follower(store, inbound.channel, inbound.user_id, _stamp(now))
                ctx, before, intent, reply = self.run(inbound, now, arrival)
                if ctx.questions:
                    kb.record_questions(store, ctx.questions)
                if ctx.state != before:
                    sessions.save(store, inbound.channel, inbound.user_id, ctx.state, _stamp(now))
                if not ctx.durable:
                    store.relax()
                response = render(reply)
                self.log(inbound, now, intent, reply, response)
                return Outcome(response, reply, intent)
        except Exception:  # the transaction rolled back: nothing of the handler's work remains
            log.exception("handler failed for %s", key)
        with store.tx():
            store.lock(self.lock_name(inbound))
            seen = self.deferred.logged(key) or inbound_log.get(store, key, inbound.legacy_key)
            if seen is not None:
                return self.replay(seen, render)
            reply = Reply(replies.ERROR)
            response = render(reply)
            self.log(inbound, now, "error", reply, response)
            return Outcome(response, reply, "error")

    def run(
        self, inbound: Inbound, now: datetime, arrival: arrivals.Arrival
    ) -> tuple[Context, dict[str, object], str, Reply]:
        """The member, the session (both from `arrival`) and the handler: the context
        afterwards, the session as it was before, the intent's name and the reply."""
        member, state = arrival.member, arrival.state
        former = member if member is not None and not member.active else None
        if former is not None:
            member = None
        before = copy.deepcopy(state)
        ctx = Context(self.services, inbound, member, now, state, former)
        intent, reply = self.dispatch(ctx)
        if ctx.notes:
            reply = Reply("\n".join([*ctx.notes, reply.text]).strip())
        return ctx, before, intent, reply

    @staticmethod
    def lock_name(inbound: Inbound) -> str:
        """One sender's messages are handled one at a time (retries included)."""
        return f"inbound:{inbound.channel}:{inbound.user_id}"

    def log(
        self, inbound: Inbound, now: datetime, intent: str, reply: Reply, response: bytes
    ) -> None:
        """Keep the reply's bytes for WeChat's retries, in the open write transaction."""
        inbound_log.record(
            self.services.store, **self.log_row(inbound, now, intent, reply, response)
        )

    @staticmethod
    def log_row(
        inbound: Inbound,
        now: datetime,
        intent: str,
        reply: Reply,
        response: bytes,
        at: str | None = None,
    ) -> dict[str, Any]:
        """The inbound-log row of a handled message (storage/inbound.py `record`)."""
        content = (
            inbound.text if inbound.msg_type != "event" else f"{inbound.event}:{inbound.event_key}"
        )
        return {
            "key": inbound.dedupe_key,
            "channel": inbound.channel,
            "openid": inbound.user_id,
            "msg_type": inbound.msg_type,
            "content": content,
            "now": at or _stamp(now),
            "reply": reply.text,
            "intent": intent,
            "response": response,
        }

    @staticmethod
    def replay(row: dict[str, object], render: Render) -> Outcome:
        """A retry: the stored response bytes, and nothing runs again."""
        reply = Reply(str(row.get("reply") or ""))
        response = row.get("response")
        return Outcome(
            bytes(response) if isinstance(response, bytes) else render(reply),
            reply,
            str(row.get("intent") or ""),
        )

    def arrival(self, inbound: Inbound, key: str) -> arrivals.Arrival:
        """The arrival lookup, with the session an unwritten policy answer of this process
        left (storage/deferred.py), if any."""
        arrival = arrivals.lookup(
            self.services.store, key, inbound.channel, inbound.user_id, inbound.legacy_key
        )
        state = self.deferred.session(inbound.channel, inbound.user_id)
        return arrival if state is None else dataclasses.replace(arrival, state=state)

    @staticmethod
    def in_dialog(inbound: Inbound, state: dict[str, Any]) -> bool:
        """Whether a text that invokes no command belongs to a dialog that writes (a quiz or
        a broadcast in progress): then the read path is not tried."""
        if inbound.msg_type not in ("text", "voice") or _invokes_command(inbound.text):
            return False
        from bot.dialog.handlers import ask

        return any(k not in ask.STATE_KEYS for k in state)

    def read_only(self, inbound: Inbound) -> bool:
        """Whether this message may be answered by the read-only path: a read-only command,
        an empty or unsupported message, or an event other than (un)subscribing and menu
        clicks for writing commands. The path itself still checks that nothing is written."""
        if inbound.msg_type == "event":
            if inbound.event in WRITING_EVENTS:
                return False
            if inbound.event == "click":
                command = MENU_KEYS.get(inbound.event_key)
                return command is None or read_only_command(command)
            return True
        if inbound.msg_type in ("text", "voice"):
            text = inbound.text
            # a policy question (no command): answered here, its statistics and session
            # written with its log row (see `ctx.durable`)
            return not text.strip() or read_only_command(text) or not _invokes_command(text)
        return True  # image, video, location …: answered with "unsupported"

    # -- dispatch -------------------------------------------------------------------------
    def dispatch(self, ctx: Context) -> tuple[str, Reply]:
        inbound = ctx.inbound
        if inbound.msg_type == "event":
            return self.on_event(ctx)
        if inbound.msg_type in ("text", "voice"):
            if not inbound.text.strip():
                if inbound.msg_type == "voice":
                    return "voice_unclear", Reply(replies.VOICE_UNCLEAR)
                return "empty", Reply(replies.EMPTY_TEXT)
            return self.on_text(ctx, inbound.text)
        return "unsupported", Reply(replies.UNSUPPORTED)

    def on_event(self, ctx: Context) -> tuple[str, Reply]:
        inbound = ctx.inbound
        store = self.services.store
        if inbound.event == "subscribe":
            members.set_subscribed(store, inbound.channel, inbound.user_id, True, ctx.stamp)
            return "subscribe", Reply(replies.welcome(ctx.member))
        if inbound.event == "unsubscribe":
            members.set_subscribed(store, inbound.channel, inbound.user_id, False, ctx.stamp)
            return "unsubscribe", Reply()
        if inbound.event == "click":
            command = MENU_KEYS.get(inbound.event_key)
            if command:
                return self.on_text(ctx, command)
            return "click_unknown", Reply(replies.UNKNOWN_MENU)
        if inbound.event == "enter_agent":  # WeCom: member opened the app
            return "enter_agent", Reply()
        return inbound.event or "event", Reply()  # LOCATION, VIEW, template receipts, ...

    def on_text(self, ctx: Context, raw: str) -> tuple[str, Reply]:
        text = command_form(raw)
        for name, handler in STATE_HANDLERS:  # tier 1
            result = handler(ctx, text)
            if result is not None:
                return f"state:{name}", _reply(result)
        # tier 2 (a text that invokes no intent, a policy question, skips the walk)
        for intent in INTENTS if _first_intent(INTENTS, raw) is not None else ():
            args = _match(intent, text)
            if args is None:
                continue
            refusal = self._refuse(ctx, intent, text)
            if refusal is not None:
                if refusal == "":
                    continue  # not allowed and not clearly a command: let the library try
                return intent.name, Reply(refusal)
            result = intent.handler(ctx, args)
            if result is not None:
                return intent.name, _reply(result)
        if _near_command(text):  # 我的积份: one character off a command, not a question
            return "fallback", Reply(self.fallback(ctx, raw, text))
        from bot.dialog.handlers import ask  # tier 3 and 4

        ctx.durable = False  # an answer, suggestions or the fallback: statistics and session
        result = ask.answer_question(ctx, raw)
        if result is not None:
            return "ask", _reply(result)
        return "fallback", Reply(self.fallback(ctx, raw, text))

    def _refuse(self, ctx: Context, intent: Intent, text: str) -> str | None:
        """A refusal text, '' to skip this intent silently, or None when allowed."""
        if intent.roles is not None and (ctx.member is None or ctx.member.role not in intent.roles):
            if not _looks_like_command(intent, text):
                return ""
            if ctx.member is None:
                return replies.DEACTIVATED if ctx.former is not None else replies.NEED_BIND
            return replies.not_allowed(intent.usage.split(" ")[0], intent.roles)
        if intent.member and ctx.member is None:
            return replies.DEACTIVATED if ctx.former is not None else replies.NEED_BIND
        return None

    def fallback(self, ctx: Context, raw: str, text: str) -> str:
        words = [w for i in INTENTS if i.audience != "hidden" for w in i.words if len(w) > 1]
        close = difflib.get_close_matches(text, words, n=3, cutoff=0.5)
        return replies.fallback(raw, close, bound=ctx.member is not None)


def _stale(last_inbound: str | None, now: datetime) -> bool:
    """Whether the account's last message time must be moved (see TOUCH_EVERY)."""
    return last_inbound is None or now - parse_stamp(last_inbound) >= TOUCH_EVERY


def _invokes_command(raw: str) -> bool:
    """Whether the text invokes an intent (a command word, a greeting)."""
    return _first_intent(INTENTS, raw) is not None


def _first_intent(table: tuple[Intent, ...], raw: str) -> Intent | None:
    """The first intent of `table` the text invokes. Short texts (commands: members send the
    same few all day) are remembered; the path is chosen with it before handling, and a
    policy question is told from a command with it again."""
    if len(raw) <= 40:
        return _first_intent_remembered(table, raw)
    text = command_form(raw)
    return next((i for i in table if _match(i, text) is not None), None)


def read_only_command(raw: str) -> bool:
    """Whether the first intent this text invokes is marked read_only or read_first."""
    intent = _first_intent(INTENTS, raw)
    return intent is not None and (intent.read_only or intent.read_first)


@lru_cache(maxsize=4096)
def _first_intent_remembered(table: tuple[Intent, ...], raw: str) -> Intent | None:
    text = command_form(raw)
    return next((i for i in table if _match(i, text) is not None), None)


def _near_command(text: str) -> bool:
    """A command word of 3 or more characters with exactly one character different."""
    for intent in INTENTS:
        if intent.audience == "hidden":
            continue
        for word in intent.words:
            if len(word) >= 3 and len(word) == len(text) and text != word:
                if sum(a != b for a, b in zip(word, text, strict=True)) == 1:
                    return True
    return False


def _match(intent: Intent, text: str) -> str | None:
    """The argument text if `text` invokes this intent, else None."""
    if intent.matches is not None:
        return intent.matches(text)
    for word in intent.words:
        if text == word:
            return ""
        if intent.args and text.startswith(word):
            rest = text[len(word) :]
            return rest.lstrip("".join(SEPARATORS)).strip()
    return None


def _looks_like_command(intent: Intent, text: str) -> bool:
    return any(text == w or text.startswith(tuple(w + s for s in SEPARATORS)) for w in intent.words)


def _reply(result: Reply | str) -> Reply:
    return result if isinstance(result, Reply) else Reply(result)
