"""每日答题 storage: sets (daily / practice), attempts, seen questions, the review schedule.

A set belongs to the day it was started (`quiz_sessions.day`): it may be finished after
midnight, and its points and its place in streaks and rankings are dated that day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from storage.checkins import consecutive_days
from storage.db import Store

# A wrong answer comes back 1, 3 and 7 days after the miss.
REVIEW_OFFSETS = (1, 3, 7)


def _plus(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


# -- sets -----------------------------------------------------------------------------------


def create_session(
    store: Store,
    member_id: int,
    day: str,
    kind: str,
    items: Sequence[tuple[str, bool, str]],
    now: str,
) -> int:
    """A new set of (question_id, review, shown letters). Practice sets are numbered 1, 2, ..."""
    if kind == "daily":
        seq = 0
    else:
        seq = 1 + int(
            store.scalar(
                "SELECT COALESCE(MAX(seq), 0) FROM quiz_sessions"
                " WHERE member_id = :member_id AND day = :day AND kind = 'practice'",
                {"member_id": member_id, "day": day},
            )
        )
    session_id = int(
        store.scalar(
            "INSERT INTO quiz_sessions (member_id, day, kind, seq, size, started_at)"
            " VALUES (:member_id, :day, :kind, :seq, :size, :now) RETURNING id",
            {
                "member_id": member_id,
                "day": day,
                "kind": kind,
                "seq": seq,
                "size": len(items),
                "now": now,
            },
        )
    )
    store.executemany(
        "INSERT INTO quiz_attempts (session_id, position, question_id, review, shown)"
        " VALUES (:session_id, :position, :question_id, :review, :shown)",
        [
            {
                "session_id": session_id,
                "position": i,
                "question_id": qid,
                "review": int(review),
                "shown": shown,
            }
            for i, (qid, review, shown) in enumerate(items, 1)
        ],
    )
    return session_id


def get_session(store: Store, session_id: int) -> dict[str, Any] | None:
    return store.one("SELECT * FROM quiz_sessions WHERE id = :id", {"id": session_id})


def daily_session(store: Store, member_id: int, day: str) -> dict[str, Any] | None:
    return store.one(
        "SELECT * FROM quiz_sessions WHERE member_id = :member_id AND day = :day"
        " AND kind = 'daily'",
        {"member_id": member_id, "day": day},
    )


def latest_practice(store: Store, member_id: int, day: str) -> dict[str, Any] | None:
    return store.one(
        "SELECT * FROM quiz_sessions WHERE member_id = :member_id AND day = :day"
        " AND kind = 'practice' ORDER BY seq DESC LIMIT 1",
        {"member_id": member_id, "day": day},
    )


def practice_count(store: Store, member_id: int, day: str) -> int:
    return int(
        store.scalar(
            "SELECT COUNT(*) FROM quiz_sessions WHERE member_id = :member_id AND day = :day"
            " AND kind = 'practice'",
            {"member_id": member_id, "day": day},
        )
    )


def attempts(store: Store, session_id: int) -> list[dict[str, Any]]:
    return store.query(
        "SELECT * FROM quiz_attempts WHERE session_id = :id ORDER BY position", {"id": session_id}
    )


def drop_attempt(store: Store, session_id: int, position: int) -> None:
    """Remove a question that left the bank from an unfinished set."""
    params = {"id": session_id, "position": position}
    store.execute(
        "DELETE FROM quiz_attempts WHERE session_id = :id AND position = :position"
        " AND answered_at IS NULL",
        params,
    )
    store.execute(
        "UPDATE quiz_sessions SET size = (SELECT COUNT(*) FROM quiz_attempts"
        " WHERE session_id = :id) WHERE id = :id",
        params,
    )


def mark_sent(store: Store, session_id: int, position: int, now: str) -> None:
    """When a question was first sent (re-showing it keeps the first time)."""
    store.execute(
        "UPDATE quiz_attempts SET sent_at = :now WHERE session_id = :id AND position = :position"
        " AND sent_at IS NULL",
        {"now": now, "id": session_id, "position": position},
    )


def record_answer(
    store: Store,
    session_id: int,
    position: int,
    answer: str,
    correct: bool,
    skipped: bool,
    now: str,
) -> bool:
    """Store the answer once; False when that question was already answered."""
    params = {
        "answer": answer,
        "correct": int(correct),
        "skipped": int(skipped),
        "now": now,
        "id": session_id,
        "position": position,
    }
    cur = store.execute(
        "UPDATE quiz_attempts SET answer = :answer, correct = :correct, skipped = :skipped,"
        " answered_at = :now WHERE session_id = :id AND position = :position"
        " AND answered_at IS NULL",
        params,
    )
    if cur.rowcount != 1:
        return False
    # The tallies quiz-stats reads (see `participation`, `question_results`).
    store.execute(
        "UPDATE quiz_sessions SET answered = answered + 1, correct = correct + :correct"
        " WHERE id = :id",
        params,
    )
    store.execute(
        "INSERT INTO quiz_results (day, question_id, answered, correct)"
        " SELECT s.day, a.question_id, 1, :correct FROM quiz_attempts a"
        " JOIN quiz_sessions s ON s.id = a.session_id"
        " WHERE a.session_id = :id AND a.position = :position"
        " ON CONFLICT (day, question_id) DO UPDATE SET answered = quiz_results.answered + 1,"
        " correct = quiz_results.correct + excluded.correct",
        params,
    )
    return True


def finish_session(store: Store, session_id: int, score: int, points: int, now: str) -> bool:
    cur = store.execute(
        "UPDATE quiz_sessions SET finished_at = :now, score = :score, points = :points"
        " WHERE id = :id AND finished_at IS NULL",
        {"now": now, "score": score, "points": points, "id": session_id},
    )
    return cur.rowcount == 1


def finished_members(store: Store, day: str) -> set[int]:
    """Members who finished that day's daily quiz."""
    rows = store.query(
        "SELECT member_id FROM quiz_sessions WHERE day = :day AND kind = 'daily'"
        " AND finished_at IS NOT NULL",
        {"day": day},
    )
    return {int(r["member_id"]) for r in rows}


def streak(store: Store, member_id: int, day: str) -> int:
    """Consecutive days with a finished daily quiz, ending on `day`."""
    rows = store.query(
        "SELECT day FROM quiz_sessions WHERE member_id = :member_id AND kind = 'daily'"
        " AND finished_at IS NOT NULL AND day <= :day ORDER BY day DESC LIMIT 400",
        {"member_id": member_id, "day": day},
    )
    return consecutive_days([r["day"] for r in rows], day)


def daily_finishers(store: Store, group_id: int, day: str) -> list[dict[str, Any]]:
    """member_id and score of everyone in a 党小组 who finished that day's daily set, in the
    order they finished (bot/ranking.py ranks them)."""
    return store.query(
        "SELECT s.member_id, s.score FROM quiz_sessions s JOIN members m ON m.id = s.member_id"
        " WHERE s.day = :day AND s.kind = 'daily' AND s.finished_at IS NOT NULL"
        " AND m.group_id = :group_id ORDER BY s.finished_at, s.member_id",
        {"day": day, "group_id": group_id},
    )


# -- seen questions (one cycle through the bank) --------------------------------------------


def seen(store: Store, member_id: int) -> set[str]:
    rows = store.query(
        "SELECT question_id FROM quiz_seen WHERE member_id = :member_id", {"member_id": member_id}
    )
    return {r["question_id"] for r in rows}


def mark_seen(store: Store, member_id: int, question_ids: Iterable[str], day: str) -> None:
    store.executemany(
        "INSERT INTO quiz_seen (member_id, question_id, day) VALUES (:member_id, :qid, :day)"
        " ON CONFLICT DO NOTHING",
        [{"member_id": member_id, "qid": qid, "day": day} for qid in question_ids],
    )


def reset_seen(store: Store, member_id: int) -> None:
    """The member has seen the whole bank: a new cycle starts."""
    store.execute("DELETE FROM quiz_seen WHERE member_id = :member_id", {"member_id": member_id})


# -- wrong-answer reviews -------------------------------------------------------------------


def due_reviews(store: Store, member_id: int, day: str) -> list[str]:
    """Open reviews due on or before `day`, most overdue first."""
    rows = store.query(
        "SELECT question_id FROM quiz_reviews WHERE member_id = :member_id AND open = 1"
        " AND due_day <= :day ORDER BY due_day, missed_day, question_id",
        {"member_id": member_id, "day": day},
    )
    return [r["question_id"] for r in rows]


def open_reviews(store: Store, member_id: int) -> list[dict[str, Any]]:
    return store.query(
        "SELECT * FROM quiz_reviews WHERE member_id = :member_id AND open = 1"
        " ORDER BY missed_day DESC, question_id",
        {"member_id": member_id},
    )


def review(store: Store, member_id: int, question_id: str) -> dict[str, Any] | None:
    return store.one(
        "SELECT * FROM quiz_reviews WHERE member_id = :member_id AND question_id = :question_id",
        {"member_id": member_id, "question_id": question_id},
    )


def record_result(
    store: Store, member_id: int, question_id: str, day: str, correct: bool, is_review: bool
) -> None:
    """Update the review schedule after an answer.

    Wrong (anywhere): the question is due again 1 day later (step 0), then 3 and 7 days after
    that miss. Right on a review: the next step; right at the 7-day step closes the review.
    """
    if not correct:
        store.execute(
            "INSERT INTO quiz_reviews (member_id, question_id, missed_day, step, due_day, open)"
            " VALUES (:member_id, :question_id, :day, 0, :due, 1)"
            " ON CONFLICT (member_id, question_id) DO UPDATE SET"
            " missed_day = excluded.missed_day, step = 0, due_day = excluded.due_day, open = 1,"
            " closed_day = NULL",
            {
                "member_id": member_id,
                "question_id": question_id,
                "day": day,
                "due": _plus(day, REVIEW_OFFSETS[0]),
            },
        )
        return
    if not is_review:
        return
    row = review(store, member_id, question_id)
    if row is None or not row["open"]:
        return
    step = int(row["step"]) + 1
    if step >= len(REVIEW_OFFSETS):
        store.execute(
            "UPDATE quiz_reviews SET open = 0, step = :step, closed_day = :day"
            " WHERE member_id = :member_id AND question_id = :question_id",
            {"step": step, "day": day, "member_id": member_id, "question_id": question_id},
        )
        return
    due = _plus(row["missed_day"], REVIEW_OFFSETS[step])
    if due <= day:  # answered late: the next step is at least a day away
        due = _plus(day, 1)
    store.execute(
        "UPDATE quiz_reviews SET step = :step, due_day = :due"
        " WHERE member_id = :member_id AND question_id = :question_id",
        {"step": step, "due": due, "member_id": member_id, "question_id": question_id},
    )


# -- statistics -----------------------------------------------------------------------------


def participation(
    store: Store, start: str, end: str, branch_id: int | None = None
) -> list[dict[str, Any]]:
    """Per 支部 and 党小组, between two days: active members, active members who finished at
    least one daily set (takers) and their finished daily sets, and the answers of all sets
    (daily and practice) of the group's members with how many were right. From the sets'
    own tallies (quiz_sessions.answered / .correct), not from every answer."""
    scope = " AND m.branch_id = :branch_id" if branch_id is not None else ""
    params: dict[str, Any] = {"start": start, "end": end, "branch_id": branch_id}
    with store.read():
        groups = store.query(
            "SELECT m.branch_id, m.group_id, b.name AS branch, g.name AS grp,"
            " SUM(m.active) AS members FROM members m JOIN branches b ON b.id = m.branch_id"
            " LEFT JOIN party_groups g ON g.id = m.group_id"
            f" WHERE 1 = 1{scope}"
            " GROUP BY m.branch_id, m.group_id, b.name, g.name",
            params,
        )
        people = {
            int(r["id"]): r
            for r in store.query(
                f"SELECT m.id, m.branch_id, m.group_id, m.active FROM members m WHERE 1 = 1{scope}",
                params,
            )
        }
        per_member = store.query(
            "SELECT member_id,"
            " SUM(CASE WHEN kind = 'daily' AND finished_at IS NOT NULL THEN 1 ELSE 0 END)"
            " AS sets, SUM(answered) AS answered, SUM(correct) AS correct"
            " FROM quiz_sessions WHERE day BETWEEN :start AND :end GROUP BY member_id",
            params,
        )
    out: dict[tuple[int, int | None], dict[str, Any]] = {}
    for g in groups:
        if not g["members"]:
            continue  # only deactivated members: the group is gone from the roster
        out[(g["branch_id"], g["group_id"])] = {
            "branch": g["branch"],
            "grp": g["grp"] if g["grp"] is not None else "（未分组）",
            "members": int(g["members"]),
            "takers": 0,
            "sets": 0,
            "answered": 0,
            "right": 0,
        }
    for r in per_member:
        person = people.get(int(r["member_id"]))
        row = out.get((person["branch_id"], person["group_id"])) if person else None
        if person is None or row is None:
            continue
        row["answered"] += int(r["answered"] or 0)
        row["right"] += int(r["correct"] or 0)
        if person["active"] and int(r["sets"] or 0):
            row["takers"] += 1
            row["sets"] += int(r["sets"])
    return [out[k] for k in sorted(out, key=lambda k: (k[0], -1 if k[1] is None else k[1]))]


def question_results(
    store: Store, start: str, end: str, branch_id: int | None = None
) -> list[dict[str, Any]]:
    """Per question: how often it was answered and answered right (daily and practice). For
    the whole organization from the daily tallies (quiz_results); for one 支部 from its
    members' sets."""
    if branch_id is None:
        return store.query(
            "SELECT question_id, SUM(answered) AS answered, SUM(correct) AS right"
            " FROM quiz_results WHERE day BETWEEN :start AND :end GROUP BY question_id",
            {"start": start, "end": end},
        )
    return store.query(
        "SELECT a.question_id, COUNT(*) AS answered, SUM(a.correct) AS right"
        " FROM members m JOIN quiz_sessions s ON s.member_id = m.id"
        " JOIN quiz_attempts a ON a.session_id = s.id"
        " WHERE m.branch_id = :branch_id AND s.day BETWEEN :start AND :end"
        " AND a.correct IS NOT NULL GROUP BY a.question_id",
        {"start": start, "end": end, "branch_id": branch_id},
    )


def question_ids_on(store: Store, member_id: int, day: str) -> set[str]:
    """Questions in any set the member started on `day`."""
    rows = store.query(
        "SELECT a.question_id FROM quiz_attempts a JOIN quiz_sessions s ON s.id = a.session_id"
        " WHERE s.member_id = :member_id AND s.day = :day",
        {"member_id": member_id, "day": day},
    )
    return {r["question_id"] for r in rows}
