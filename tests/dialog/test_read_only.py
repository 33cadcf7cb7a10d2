"""The read-only path: 帮助, 我的积分, 排行, 错题, 出勤, 未完成 and messages that change nothing are
answered from a read transaction, without the writer lock; only their log row is written, in
a short transaction of its own. Retries still get the same bytes back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from bot.channels.peer import WeChatPeer
from bot.dialog import intents
from bot.dialog.handlers import help as help_handler
from bot.dialog.types import Context
from storage import Store
from storage import inbound as inbound_log
from tests.conftest import Member


def _store(peer: WeChatPeer) -> Store:
    return peer.services.store  # type: ignore[attr-defined,no-any-return]


class Spy:
    """Which transactions a message opened, and whether its handler ran inside a read()."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tx: list[bool] = []  # durable flag of each write transaction
        self.handled_reading: list[bool] = []
        real_tx = store.tx

        @contextmanager
        def tx(durable: bool = True) -> Iterator[Store]:
            if not store.in_tx:
                self.tx.append(durable)
            with real_tx(durable) as s:
                yield s

        monkeypatch.setattr(store, "tx", tx)
        real_dispatch = __import__("bot.dialog.router", fromlist=["Router"]).Router.dispatch

        def dispatch(router: Any, ctx: Context) -> Any:
            self.handled_reading.append(store.reading)
            return real_dispatch(router, ctx)

        monkeypatch.setattr("bot.dialog.router.Router.dispatch", dispatch)

    def say(self, member: Member, text: str) -> str:
        self.tx.clear()
        self.handled_reading.clear()
        return member.say(text)

    @property
    def read_only(self) -> bool:
        """Handled once, inside a read transaction, and only the log transaction wrote
        (the callback's replay check is a relaxed transaction of its own as well)."""
        return self.handled_reading == [True] and all(d is False for d in self.tx)


@pytest.fixture
def spy(zhangwei: Member, monkeypatch: pytest.MonkeyPatch) -> Spy:
    return Spy(_store(zhangwei.peer), monkeypatch)


def test_read_only_commands_take_no_write_transaction(zhangwei: Member, spy: Spy) -> None:
    assert "帮助" in intents.INTENTS[0].words
    assert "打卡" in spy.say(zhangwei, "帮助")
    assert spy.read_only
    assert "打卡成功" in spy.say(zhangwei, "打卡")
    # tried on the read path first (打卡 is read_first), then written: a check-in is durable
    assert spy.handled_reading == [True, False] and True in spy.tx
    assert "今天已经打过卡" in spy.say(zhangwei, "打卡")  # a second 打卡 changes nothing
    assert spy.read_only
    for text in ("我的积分", "排行", "错题", "你好"):
        spy.say(zhangwei, text)
        assert spy.read_only, text


def test_secretary_commands_attendance_and_unfinished_are_read_only(
    secretary: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(_store(secretary.peer), monkeypatch)
    assert "未打卡" in spy.say(secretary, "未完成")
    assert spy.read_only
    spy.say(secretary, "出勤")
    assert spy.read_only


def test_a_session_with_last_answer_or_a_quiz_keeps_the_read_only_path(
    zhangwei: Member, spy: Spy
) -> None:
    assert zhangwei.say("党费交纳标准").startswith("【")  # the session now holds last_answer
    assert "last_answer" in _store(zhangwei.peer).scalar("SELECT state FROM sessions")
    for text in ("帮助", "我的积分"):
        spy.say(zhangwei, text)
        assert spy.read_only, text
    assert "谢谢您的评价" in spy.say(zhangwei, "有用")  # last_answer still there, and used
    zhangwei.say("答题")  # a quiz in progress: 帮助 leaves it alone, so it only reads
    assert "答题" in spy.say(zhangwei, "帮助")
    assert spy.read_only


def test_a_policy_answer_is_read_only_its_question_written_with_the_log_row(
    zhangwei: Member, spy: Spy
) -> None:
    store = _store(zhangwei.peer)
    assert spy.say(zhangwei, "党费交纳标准").startswith("【")
    assert spy.read_only
    row = store.one("SELECT id, msg_key, outcome, entry_id FROM kb_questions")
    assert row is not None and row["outcome"] == "answered"
    assert store.scalar("SELECT COUNT(*) FROM inbound_log WHERE key = :k", {"k": row["msg_key"]})
    state = json.loads(store.scalar("SELECT state FROM sessions"))
    assert state["last_answer"]["q"] == row["msg_key"]
    assert "谢谢反馈" in spy.say(zhangwei, "没用")  # the session names it by that key
    assert store.scalar("SELECT question_id FROM kb_feedback") == row["id"]
    assert spy.say(zhangwei, "许可证").startswith("没找到完全对应的答案")  # 您是不是想问…
    assert spy.read_only
    assert spy.say(zhangwei, "1").startswith("【")  # the pick writes: the write path
    assert spy.handled_reading == [True, False]
    assert store.scalar("SELECT outcome FROM kb_questions ORDER BY id DESC LIMIT 1") == "picked"


def test_an_answer_in_a_quiz_goes_straight_to_the_write_path(zhangwei: Member, spy: Spy) -> None:
    zhangwei.say("答题")
    spy.say(zhangwei, "A")  # the quiz takes it and writes: no read attempt first
    assert spy.handled_reading == [False]


def test_a_state_the_command_changes_goes_to_the_write_path(zhangwei: Member, spy: Spy) -> None:
    zhangwei.say("许可证")  # 您是不是想问… waits for 1/2/3 for 30 minutes
    zhangwei.peer.services.clock.advance(minutes=31)  # type: ignore[attr-defined]
    spy.say(zhangwei, "帮助")  # the stale suggestion is dropped: a change to the session
    assert spy.handled_reading == [True, False] and True in spy.tx
    assert "suggest" not in _store(zhangwei.peer).scalar("SELECT state FROM sessions")


def test_a_read_only_handler_that_writes_runs_again_in_a_write_transaction(
    zhangwei: Member, spy: Spy, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(zhangwei.peer)
    real = help_handler.show

    def writing(ctx: Context, args: str) -> str:
        try:  # even a handler that swallows the refusal is sent down the write path
            ctx.store.execute("INSERT INTO branches (name) VALUES ('新支部')")
        except Exception:
            pass
        return real(ctx, args)

    table = tuple(
        intents.Intent(**{**i.__dict__, "handler": writing}) if i.name == "help" else i
        for i in intents.INTENTS
    )
    monkeypatch.setattr("bot.dialog.router.INTENTS", table)
    assert "打卡" in spy.say(zhangwei, "帮助")
    assert spy.handled_reading == [True, False]
    assert store.scalar("SELECT COUNT(*) FROM branches WHERE name = '新支部'") == 1


def test_retried_read_only_messages_get_the_same_bytes(zhangwei: Member) -> None:
    peer = zhangwei.peer
    xml = peer.text_xml(zhangwei.openid, "我的积分", msg_id="777001")
    first = peer.post(xml)
    assert first.text.startswith("张伟的积分")
    assert "打卡成功" in zhangwei.say("打卡")  # the points change meanwhile …
    again = peer.post(xml)
    assert again.body == first.body  # … the retry still gets the first answer, byte for byte
    store = _store(peer)
    assert store.scalar("SELECT COUNT(*) FROM inbound_log WHERE content = '我的积分'") == 1


OTHER = b"<xml><Content><![CDATA[the other worker's reply]]></Content></xml>"


def test_a_retry_answered_meanwhile_wins(zhangwei: Member, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers compute the same read-only message at once: the second to log it returns
    the first one's bytes, so WeChat sees one answer."""
    peer = zhangwei.peer
    real = inbound_log.record

    def raced(store: Store, key: str, *, if_new: bool = False, **fields: Any) -> bool:
        if if_new:  # another worker logs this very message first, with its own bytes
            with store.tx(durable=False):
                real(store, key, **{**fields, "response": OTHER})
        return real(store, key, **fields, if_new=if_new)

    monkeypatch.setattr(inbound_log, "record", raced)
    reply = peer.post(peer.text_xml(zhangwei.openid, "帮助", msg_id="777002"))
    assert reply.body == OTHER


def test_last_seen_moves_only_every_few_minutes(zhangwei: Member) -> None:
    store = _store(zhangwei.peer)
    clock = zhangwei.peer.services.clock  # type: ignore[attr-defined]

    def last_seen() -> str:
        return str(
            store.scalar("SELECT last_inbound_at FROM followers WHERE openid = 'o-zhangwei'")
        )

    bound_at = last_seen()
    clock.advance(minutes=2)
    zhangwei.say("帮助")
    assert last_seen() == bound_at  # two minutes: not worth a write
    clock.advance(minutes=4)
    zhangwei.say("帮助")
    assert last_seen() > bound_at  # six minutes: the 48 h window moves on
    moved = last_seen()
    clock.advance(minutes=1)
    zhangwei.say("打卡")  # a message that writes anyway refreshes it every time
    assert last_seen() > moved


def test_menu_clicks_and_events_that_change_nothing_only_read(zhangwei: Member, spy: Spy) -> None:
    spy.tx.clear()
    spy.handled_reading.clear()
    zhangwei.event("CLICK", "MENU_POINTS")
    assert spy.read_only
    spy.tx.clear()
    spy.handled_reading.clear()
    assert zhangwei.event("LOCATION").status == 200
    assert spy.read_only
    spy.tx.clear()
    spy.handled_reading.clear()
    zhangwei.event("CLICK", "MENU_CHECKIN")  # 打卡 from the menu: tried read-only, then written
    assert spy.handled_reading == [True, False]


def test_a_policy_answer_commits_without_waiting_for_the_disk_a_check_in_waits(
    zhangwei: Member,
) -> None:
    """A policy answer writes statistics and the session only: nothing the member was told
    is lost in a power cut. A check-in is on disk before its reply leaves."""
    store = _store(zhangwei.peer)
    synced, relaxed = store.synced_commits, store.relaxed_commits
    assert "党费" in zhangwei.say("党费按什么比例交？")
    assert store.synced_commits == synced and store.relaxed_commits > relaxed
    assert "打卡成功" in zhangwei.say("打卡")
    if store.is_sqlite:
        assert store.synced_commits == synced + 1
