"""Daily selection: reproducible draws, no repeats within a cycle, reviews after 1, 3 and 7 days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.demo import load_demo
from bot.quiz import play
from bot.quiz.bank import QuizBank
from bot.quiz.selection import choose, shown_options, shuffle_options, to_bank, to_shown
from storage import open_store
from storage import quiz as store_quiz
from storage.db import Store
from tests import dbs
from tests.quiz.bankutil import RULES, fixture_bank, synthetic

START = date(2026, 12, 1)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(dbs.db_for(tmp_path, "q.db"))
    load_demo(s, "2026-12-01T08:00:00+08:00")
    yield s
    s.close()


def day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


def test_draw_is_reproducible_per_member_and_day() -> None:
    ids = [f"q{i:03d}" for i in range(100)]
    a, _ = choose(ids, set(), [], 3, "2026-12-02", 5)
    b, _ = choose(ids, set(), [], 3, "2026-12-02", 5)
    assert a == b and len(a) == 5 and len({p.question_id for p in a}) == 5
    assert choose(ids, set(), [], 4, "2026-12-02", 5)[0] != a
    assert choose(ids, set(), [], 3, "2026-12-03", 5)[0] != a


def test_reviews_are_mixed_in_up_to_two() -> None:
    ids = [f"q{i:03d}" for i in range(20)]
    picks, reset = choose(ids, set(ids[:10]), ["q001", "q002", "q003"], 1, "2026-12-02", 5)
    assert not reset
    assert sorted(p.question_id for p in picks if p.review) == ["q001", "q002"]
    assert all(p.question_id not in ids[:10] for p in picks if not p.review)
    assert choose(ids, set(), ["q001"], 1, "2026-12-02", 5, reviews=0)[0][0].review is False


def test_cycle_restarts_when_the_bank_is_used_up() -> None:
    ids = [f"q{i}" for i in range(7)]
    picks, reset = choose(ids, set(ids[:5]), [], 1, "2026-12-02", 5)
    got = [p.question_id for p in picks]
    assert reset and len(set(got)) == 5
    assert {"q5", "q6"} <= set(got)


def test_options_shuffled_per_member_and_day() -> None:
    bank = fixture_bank()
    q = bank.get("t-multi-2")
    assert q is not None
    shown = shuffle_options(q, 3, "2026-12-02")
    assert sorted(shown) == list("ABCDEF") and shown == shuffle_options(q, 3, "2026-12-02")
    variants = {shuffle_options(q, m, "2026-12-02") for m in range(1, 30)}
    assert len(variants) > 5
    # Letters the member saw map back to the bank's letters and the other way round.
    mine = to_shown(shown, q.answer)
    assert to_bank(shown, mine) == "".join(q.answer)
    texts = dict(shown_options(q, shown))
    assert {texts[letter] for letter in mine} == {q.option_map[x] for x in q.answer}
    fixed = bank.get("t-single-3")  # "以上都是" keeps the order
    assert fixed is not None and shuffle_options(fixed, 3, "2026-12-02") == "ABC"
    judge = bank.get("t-judge-1")
    assert judge is not None and shuffle_options(judge, 3, "2026-12-02") == ""


def run_day(
    store: Store, bank: QuizBank, member_id: int, n: int, wrong: set[str]
) -> list[tuple[str, bool]]:
    """The member answers day n's daily set; ids in `wrong` are answered wrong."""
    today = day(n)
    stamp = f"{today}T09:00:00+08:00"
    session_id = play.start_set(store, bank, member_id, today, "daily", 5, stamp)
    assert session_id is not None
    session = store_quiz.get_session(store, session_id)
    assert session is not None
    asked: list[tuple[str, bool]] = []
    while (cur := play.current(store, bank, session_id)) is not None:
        play.present(store, member_id, today, cur, stamp)
        right = play.right_answer(cur.question, cur.shown)
        if cur.question.id in wrong:
            given = "错" if right == "对" else ("A" if right != "A" else "B")
        else:
            given = right
        play.submit(store, member_id, session, cur, given, stamp)
        asked.append((cur.question.id, cur.review))
    play.finish(store, RULES, member_id, None, session, stamp)
    return asked


def test_sixty_days(store: Store) -> None:
    bank = synthetic("single", 37)
    member = 3
    all_ids = set(bank.ids)
    seen: set[str] = set()
    cycles = 0
    reviews_on: dict[str, list[int]] = {}
    plan = {0: 1, 10: 1, 20: 3, 40: 1}  # day -> how many fresh questions to get wrong
    missed: dict[str, list[int]] = {}
    again_wrong = set()
    for n in range(60):
        today = day(n)
        wrong: set[str] = set()
        if n in plan:
            # Answer wrong the first fresh questions of this day's set (known before answering:
            # the draw is reproducible, so peek with the same inputs).
            due = store_quiz.due_reviews(store, member, today)
            picks, _ = choose(
                bank.ids, store_quiz.seen(store, member), due, member, today, 5,
                exclude=play.today_ids(store, member, today),
            )  # fmt: skip
            candidates = [
                p.question_id for p in picks if not p.review and p.question_id not in missed
            ]
            wrong = set(candidates[: plan[n]])
        if n == 41:  # the day-40 miss is answered wrong again at its first review
            wrong = set(again_wrong)
        asked = run_day(store, bank, member, n, wrong)
        fresh = [q for q, review in asked if not review]
        for q, review in asked:
            if review:
                reviews_on.setdefault(q, []).append(n)
        for q in wrong:
            missed.setdefault(q, []).append(n)
        if n == 40:
            again_wrong = set(wrong)
        # No repeats before the whole bank has been seen.
        assert len(set(fresh)) == len(fresh)
        # (Reviews are deliberate repeats; a review of a question missed in an earlier cycle
        # also counts as seen in this one.)
        shown_today = {q for q, _ in asked}
        repeats = [q for q in fresh if q in seen]
        if repeats:
            assert all_ids - seen <= shown_today, "a repeat while unseen questions were left"
            seen = shown_today  # a new cycle starts with this set
            cycles += 1
        else:
            seen |= shown_today
    assert cycles >= 6  # 60 days x 5 questions over a bank of 37
    # Reviews come back 1, 3 and 7 days after the miss, then leave.
    first = next(q for q, days in missed.items() if days == [0])
    assert reviews_on[first] == [1, 3, 7]
    second = next(q for q, days in missed.items() if days == [10])
    assert reviews_on[second] == [11, 13, 17]
    # Three misses on one day: two come back the next day, the third the day after.
    day20 = [q for q, days in missed.items() if days == [20]]
    assert len(day20) == 3
    assert sorted(reviews_on[q][0] for q in day20) == [21, 21, 22]
    # Wrong again at the review: the schedule restarts from that day.
    (relapse,) = again_wrong
    assert missed[relapse] == [40, 41]
    assert reviews_on[relapse] == [41, 42, 44, 48]
    assert not store_quiz.open_reviews(store, member)
