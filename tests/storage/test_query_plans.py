"""No query that runs inside a message, or in a scheduled job, scans a table that grows with
history: every statement a whole conversation and a day of jobs run is recorded, and SQLite's
EXPLAIN QUERY PLAN for each must search the history tables through an index, never read them
whole ("SCAN", a full index scan, or an automatic index built on the fly).

The points ledger and the rankings (`points`) are rebuilt by issue 12 with their own figures
(bench/report.py); they are left out here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.channels.peer import WeChatPeer
from bot.clock import FixedClock
from bot.jobs import schedule
from bot.jobs.dispatch import Dispatcher
from bot.jobs.runner import JobContext
from bot.services import Services
from storage.db import Store
from tests.conftest import Member, bound
from tests.quiz.bankutil import fixture_bank, right_answer, wrong_answer

pytestmark = pytest.mark.sqlite_only  # EXPLAIN QUERY PLAN is SQLite's

# Tables that grow with every message, day or push (members, bindings and followers grow with
# the roster, and are looked up by key).
HISTORY = {
    "inbound_log",
    "checkins",
    "reflections",
    "quiz_sessions",
    "quiz_attempts",
    "quiz_seen",
    "quiz_reviews",
    "kb_questions",
    "kb_feedback",
    "handoffs",
    "outbox",
    "outbox_pruned",
    "console_inbox",
    "bind_failures",
    "callback_nonces",
    "broadcasts",
    "meetings",
    "meeting_members",
    "custom_quota",
    "reflection_prints",
    "claims",
    "commitments",
}
NOT_MINE = {"points"}  # issue 12
# A 心得 long enough to earn (bot/points/reflections.MIN_CHARS).
REFLECTION = (
    "今天学习了三会一课制度，明白了支部党员大会、支委会、党小组会和党课各自多久开一次，"
    "也知道了不能参加时要事先请假，以后每次会议我都按时参加并认真做好记录。"
)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    seen: list[tuple[str, dict[str, Any]]] = []
    run, many = Store._run, Store._many

    def _run(self: Store, sql: Any, params: Any) -> Any:
        if isinstance(sql, str):
            seen.append((sql, dict(params or {})))
        return run(self, sql, params)

    def _many(self: Store, sql: str, rows: Any) -> int:
        seen.append((sql, dict(rows[0])))
        return many(self, sql, rows)

    monkeypatch.setattr(Store, "_run", _run)
    monkeypatch.setattr(Store, "_many", _many)
    yield seen


def _conversation(peer: WeChatPeer, clock: FixedClock) -> None:
    peer.services.quizzes = bank = fixture_bank()  # type: ignore[attr-defined]
    zhang = bound(peer, "o-zw", "张伟", "13800000003")
    secretary = bound(peer, "o-sec", "王建国", "13800000001")
    for text in ("帮助", "打卡", "打卡", "心得 " + REFLECTION, "错题"):
        zhang.say(text)
    reply = zhang.say("答题")
    wrong = True
    while "题 · " in reply and "本组答完" not in reply:
        reply = zhang.say(wrong_answer(reply, bank) if wrong else right_answer(reply, bank))
        wrong = not wrong
    zhang.say("承诺 每月带头完成学习打卡，帮助身边零售户用好助手")
    zhang.say("申报 志愿服务 参加社区禁烟宣传两小时")
    zhang.say("再练一组")
    zhang.say("退出")
    zhang.say("错题")
    zhang.say("党费交纳标准")
    zhang.say("有用")
    zhang.say("许可证")
    zhang.say("1")
    zhang.say("转人工")
    handoff = secretary.say("未完成")
    assert "未打卡" in handoff
    secretary.say("出勤")
    secretary.say("发布通知 周五下午开支部党员大会")
    secretary.say("确认")
    secretary.say("会议 支部党员大会 明天 15:00 三楼会议室")
    zhang.say("签到 0000")
    zhang.say("请假 出差")
    secretary.say("出勤")
    zhang.event("CLICK", "MENU_HELP")
    Member(peer, "o-stranger").say("你好")
    clock.advance(days=1)
    zhang.say("答题")  # the next day: reviews come back
    zhang.say("打卡")


def _jobs(services: Services, clock: FixedClock) -> None:
    for job in schedule.JOBS:
        if job.id == "dispatch":
            dispatcher = Dispatcher(services)
            try:
                job.run(JobContext(services, clock.now(), dispatcher))
            finally:
                dispatcher.close()
        else:
            job.run(JobContext(services, clock.now()))


def _tables(sql: str) -> dict[str, str]:
    """alias or name -> table, from FROM and JOIN clauses."""
    names: dict[str, str] = {}
    for table, alias in re.findall(
        r"\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", sql, re.I
    ):
        names[table] = table
        if alias and alias.upper() not in _KEYWORDS:
            names[alias] = table
    return names


_KEYWORDS = {
    "WHERE", "ON", "LEFT", "JOIN", "INNER", "GROUP", "ORDER", "LIMIT", "SET", "VALUES",
    "USING", "AND", "OR", "UNION", "HAVING", "WINDOW", "DEFAULT", "SELECT", "RETURNING", "AS",
}  # fmt: skip


def scans(store: Store, statements: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Each history-table scan as 'table: plan line | statement'."""
    found = []
    for sql, params in dict(statements).items():
        if not re.match(r"\s*(SELECT|WITH|UPDATE|DELETE|INSERT)", sql, re.I):
            continue
        if sql.lstrip().upper().startswith("INSERT") and " SELECT " not in sql.upper():
            continue  # a plain insert reads nothing
        tables = _tables(sql)
        if NOT_MINE & set(tables.values()):
            continue
        with store.read():
            plan = store.query("EXPLAIN QUERY PLAN " + sql, params)
        for row in plan:
            detail = str(row["detail"])
            m = re.match(r"(SCAN|SEARCH) (?:TABLE )?(\w+)", detail)
            if m is None:
                continue
            table = tables.get(m.group(2), m.group(2))
            whole = m.group(1) == "SCAN" or "AUTOMATIC" in detail
            if whole and table in HISTORY:
                found.append(f"{table}: {detail} | {' '.join(sql.split())}")
    return found


def test_messages_and_jobs_search_history_tables_by_index(
    wechat: WeChatPeer, clock: FixedClock, recorded: list[tuple[str, dict[str, Any]]]
) -> None:
    services: Services = wechat.services  # type: ignore[attr-defined]
    _conversation(wechat, clock)
    in_messages = list(recorded)
    recorded.clear()
    clock.advance(days=40)  # housekeeping has something old to forget
    _jobs(services, clock)
    in_jobs = list(recorded)
    assert len(in_messages) > 100 and len(in_jobs) > 10
    touched = {t for sql, _ in in_messages + in_jobs for t in _tables(sql).values()}
    expected = HISTORY - {"outbox_pruned", "custom_quota"}
    if services.store.is_sqlite:  # beside the database file (tests/storage/test_replays.py)
        expected -= {"callback_nonces"}
    assert expected <= touched, expected - touched
    problems = scans(services.store, in_messages + in_jobs)
    assert problems == [], "\n".join(problems)


def test_the_check_sees_a_scan(wechat: WeChatPeer) -> None:
    """The test above can fail: a query by day alone on a table keyed by member scans it."""
    store = wechat.services.store  # type: ignore[attr-defined]
    found = scans(store, [("SELECT COUNT(*) FROM reflections WHERE text = :t", {"t": "x"})])
    assert found and found[0].startswith("reflections: SCAN")
