"""A quiz set from start to finish, over storage: draw, present, answer, score, points.

Day boundary: a set belongs to the day it was started. It can still be finished after midnight
while the member keeps answering (each answer within GRACE of the question being sent); its
points, streak and ranking are dated the day it was started. `答题` on the new day starts the new
day's set, and a set left more than GRACE past its day is closed without points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import ranking
from bot.points import ledger as points_ledger
from bot.points.rules import Rules
from bot.quiz import answers, selection
from bot.quiz.bank import LETTERS, Question, QuizBank
from storage import quiz as store_quiz
from storage.db import Store

GRACE = timedelta(minutes=30)
SKIP = "跳过"


@dataclass(frozen=True)
class Current:
    """The question a member is on: its attempt row, the question, N of M."""

    attempt: dict[str, Any]
    question: Question
    number: int
    total: int

    @property
    def position(self) -> int:
        return int(self.attempt["position"])

    @property
    def shown(self) -> str:
        return str(self.attempt["shown"] or "")

    @property
    def review(self) -> bool:
        return bool(self.attempt["review"])


@dataclass(frozen=True)
class Result:
    correct: bool
    skipped: bool
    right_answer: str  # in the member's letters (choice) or words
    question: Question


@dataclass(frozen=True)
class Summary:
    kind: str
    score: int
    total: int
    points: int
    capped: bool
    streak: int
    rank: tuple[int, int] | None


def today_ids(store: Store, member_id: int, day: str) -> set[str]:
    return store_quiz.question_ids_on(store, member_id, day)


def start_set(
    store: Store, bank: QuizBank, member_id: int, day: str, kind: str, size: int, now: str
) -> int | None:
    """Draw and store a new set; None when the bank is empty."""
    if not len(bank) or size <= 0:
        return None
    if kind == "daily":
        due = store_quiz.due_reviews(store, member_id, day)
        salt = "daily"
        reviews = selection.REVIEWS_PER_SET
    else:
        due = []
        salt = f"practice:{store_quiz.practice_count(store, member_id, day) + 1}"
        reviews = 0
    picks, reset = selection.choose(
        bank.ids,
        store_quiz.seen(store, member_id),
        due,
        member_id,
        day,
        size,
        salt=salt,
        exclude=today_ids(store, member_id, day),
        reviews=reviews,
    )
    if not picks:
        return None
    if reset:
        store_quiz.reset_seen(store, member_id)
    items = []
    for pick in picks:
        question = bank.get(pick.question_id)
        assert question is not None
        items.append(
            (pick.question_id, pick.review, selection.shuffle_options(question, member_id, day))
        )
    return store_quiz.create_session(store, member_id, day, kind, items, now)


def current(store: Store, bank: QuizBank, session_id: int) -> Current | None:
    """The first unanswered question (questions removed from the bank are dropped)."""
    rows = store_quiz.attempts(store, session_id)
    for row in rows:
        if row["answered_at"] is None and bank.get(row["question_id"]) is None:
            store_quiz.drop_attempt(store, session_id, int(row["position"]))
    rows = store_quiz.attempts(store, session_id)
    for number, row in enumerate(rows, 1):
        if row["answered_at"] is None:
            question = bank.get(row["question_id"])
            assert question is not None
            return Current(row, question, number, len(rows))
    return None


def present(store: Store, member_id: int, day: str, cur: Current, now: str) -> None:
    """Record that the question was sent and seen."""
    store_quiz.mark_sent(store, int(cur.attempt["session_id"]), cur.position, now)
    store_quiz.mark_seen(store, member_id, [cur.question.id], day)


def right_answer(question: Question, shown: str) -> str:
    if question.choice:
        return selection.to_shown(shown, question.answer)
    return question.answer[0] if question.answer else ""


def parse(cur: Current, text: str) -> str | None:
    """The member's answer in canonical form, or None when the text is not an answer."""
    allowed = LETTERS[: len(cur.shown)] if cur.question.choice else LETTERS
    return answers.parse(cur.question.type, text, allowed)


def judge(question: Question, shown: str, given: str) -> bool:
    if question.choice:
        return selection.to_bank(shown, given) == "".join(question.answer)
    if question.type == "judge":
        return given == question.answer[0]
    return answers.blank_correct(given, question.answer)


def submit(
    store: Store,
    member_id: int,
    session: dict[str, Any],
    cur: Current,
    given: str | None,
    now: str,
) -> Result | None:
    """Record an answer (None = 跳过, counted wrong). None if it was already answered."""
    skipped = given is None
    correct = False if skipped else judge(cur.question, cur.shown, given or "")
    stored = store_quiz.record_answer(
        store,
        int(session["id"]),
        cur.position,
        SKIP if skipped else given or "",
        correct,
        skipped,
        now,
    )
    if not stored:
        return None
    store_quiz.record_result(
        store, member_id, cur.question.id, str(session["day"]), correct, cur.review
    )
    return Result(correct, skipped, right_answer(cur.question, cur.shown), cur.question)


def finish(
    store: Store,
    rules: Rules,
    member_id: int,
    group_id: int | None,
    session: dict[str, Any],
    now: str,
) -> Summary:
    """Score the set. A daily set earns under the `quiz_right` rules (per right answer) and
    `quiz_perfect` rules (all right) of points.yaml, within their caps, dated the set's day."""
    rows = store_quiz.attempts(store, int(session["id"]))
    score = sum(1 for r in rows if r["correct"] == 1)
    total = len(rows)
    day = str(session["day"])
    amount = 0
    capped = False
    if session["kind"] == "daily":
        credits = []
        if score:
            credits += points_ledger.earn(
                store, rules, member_id, "quiz_right", f"daily:{day}", day, now, count=score
            )
        if total and score == total:
            credits += points_ledger.earn(
                store, rules, member_id, "quiz_perfect", f"perfect:{day}", day, now
            )
        amount = points_ledger.total(credits)
        capped = any(c.capped for c in credits)
    store_quiz.finish_session(store, int(session["id"]), score, amount, now)
    streak = store_quiz.streak(store, member_id, day)
    rank = (
        group_rank(store, member_id, group_id, day)
        if group_id is not None and session["kind"] == "daily"
        else None
    )
    return Summary(str(session["kind"]), score, total, amount, capped, streak, rank)


def group_rank(store: Any, member_id: int, group_id: int, day: str) -> tuple[int, int] | None:
    """(place, finishers) of the member among their 党小组's finished daily sets that day, by
    right answers (bot/ranking.py: equal scores share a place)."""
    finishers = store_quiz.daily_finishers(store, group_id, day)
    placed = ranking.rank(finishers, lambda r: int(r["score"]))
    place = ranking.place_of(placed, lambda r: int(r["member_id"]) == member_id)
    return None if place is None else (place, len(placed))


def expired(session: dict[str, Any], cur: Current | None, now: datetime, today: str) -> bool:
    """A set from an earlier day that the member stopped answering (see the module docstring)."""
    if session["day"] == today:
        return False
    sent = cur.attempt["sent_at"] if cur is not None else None
    if not sent:
        return True
    return now - datetime.fromisoformat(sent) > GRACE
