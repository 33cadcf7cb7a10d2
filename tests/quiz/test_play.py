"""A set from start to finish over storage: points and their cap, streaks, rankings, finished_members."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.demo import load_demo
from bot.quiz import play
from bot.quiz.bank import QuizBank
from storage import members, open_store
from storage import points as ledger
from storage import quiz as store_quiz
from storage.db import Store
from tests import dbs
from tests.quiz.bankutil import RULES, synthetic

QUIZ = ("quiz", "quiz_perfect")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(dbs.db_for(tmp_path, "p.db"))
    load_demo(s, "2026-12-01T08:00:00+08:00")
    yield s
    s.close()


def member_id(store: Store, name: str) -> int:
    return int(store.scalar("SELECT id FROM members WHERE name = :name", {"name": name}))


def take(
    store: Store,
    bank: QuizBank,
    who: int,
    day: str,
    right: int,
    kind: str = "daily",
    size: int = 5,
    at: str = "09:00:00",
) -> play.Summary:
    stamp = f"{day}T{at}+08:00"
    sid = play.start_set(store, bank, who, day, kind, size, stamp)
    assert sid is not None
    session = store_quiz.get_session(store, sid)
    assert session is not None
    group = members.get(store, who).group_id  # type: ignore[union-attr]
    n = 0
    while (cur := play.current(store, bank, sid)) is not None:
        play.present(store, who, day, cur, stamp)
        answer = play.right_answer(cur.question, cur.shown)
        if n >= right:
            answer = "A" if answer != "A" else "B"
        play.submit(store, who, session, cur, answer, stamp)
        n += 1
    return play.finish(store, RULES, who, group, session, stamp)


def test_points_per_right_answer_and_perfect_bonus(store: Store) -> None:
    bank = synthetic("single", 30)
    zw = member_id(store, "张伟")
    summary = take(store, bank, zw, "2026-12-02", right=5)
    assert (summary.score, summary.total, summary.points, summary.capped) == (5, 5, 6, False)
    ly = member_id(store, "刘洋")
    assert take(store, bank, ly, "2026-12-02", right=3).points == 3
    assert ledger.day_total(store, zw, "2026-12-02", QUIZ) == 6
    # Practice earns nothing.
    practice = take(store, bank, zw, "2026-12-02", right=5, kind="practice")
    assert practice.points == 0 and practice.kind == "practice"
    assert ledger.day_total(store, zw, "2026-12-02", QUIZ) == 6


def test_daily_cap(store: Store) -> None:
    bank = synthetic("single", 30)
    zw = member_id(store, "张伟")
    summary = take(store, bank, zw, "2026-12-02", right=10, size=10)
    assert (summary.score, summary.points, summary.capped) == (10, 6, True)
    assert ledger.day_total(store, zw, "2026-12-02", QUIZ) == 6


def test_streak_rank_and_finished_members(store: Store) -> None:
    bank = synthetic("single", 60)
    zw, ly, cj = (member_id(store, n) for n in ("张伟", "刘洋", "陈静"))
    for d in ("2026-12-01", "2026-12-02", "2026-12-03"):
        take(store, bank, zw, d, right=3, at="10:00:00")
    take(store, bank, ly, "2026-12-03", right=5, at="11:00:00")
    last = take(store, bank, cj, "2026-12-03", right=3, at="12:00:00")
    assert last.streak == 1
    assert last.rank == (2, 3)  # same score as 张伟: they share second place (bot/ranking.py)
    assert store_quiz.streak(store, zw, "2026-12-03") == 3
    assert play.group_rank(store, ly, members.get(store, ly).group_id, "2026-12-03") == (1, 3)  # type: ignore[union-attr, arg-type]
    assert play.group_rank(store, zw, members.get(store, zw).group_id, "2026-12-03") == (2, 3)  # type: ignore[union-attr, arg-type]
    assert store_quiz.finished_members(store, "2026-12-03") == {zw, ly, cj}
    assert store_quiz.finished_members(store, "2026-12-01") == {zw}
    # A started but unfinished set does not count.
    hx = member_id(store, "黄敏")
    play.start_set(store, bank, hx, "2026-12-03", "daily", 5, "2026-12-03T13:00:00+08:00")
    assert hx not in store_quiz.finished_members(store, "2026-12-03")


def test_empty_bank_starts_nothing(store: Store) -> None:
    assert play.start_set(store, QuizBank(), 1, "2026-12-02", "daily", 5, "x") is None


def test_question_removed_from_bank_is_dropped(store: Store) -> None:
    bank = synthetic("single", 10)
    zw = member_id(store, "张伟")
    sid = play.start_set(store, bank, zw, "2026-12-02", "daily", 5, "2026-12-02T09:00:00+08:00")
    assert sid is not None
    ids = [r["question_id"] for r in store_quiz.attempts(store, sid)]
    smaller = QuizBank(q for q in bank.questions if q.id != ids[0])
    cur = play.current(store, smaller, sid)
    assert cur is not None and (cur.number, cur.total) == (1, 4) and cur.question.id == ids[1]


def test_expiry_after_midnight() -> None:
    session = {"day": "2026-12-02"}
    sent = {"sent_at": "2026-12-02T23:58:00+08:00", "position": 1, "shown": "", "review": 0}
    bank = synthetic("judge", 1)
    cur = play.Current(sent, bank.questions[0], 1, 5)
    at = datetime.fromisoformat
    assert not play.expired(session, cur, at("2026-12-03T00:01:00+08:00"), "2026-12-03")
    assert play.expired(session, cur, at("2026-12-03T00:29:00+08:00"), "2026-12-03")
    assert not play.expired(session, cur, at("2026-12-02T23:59:00+08:00"), "2026-12-02")
