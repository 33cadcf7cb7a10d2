"""Policy questions asked and how they went, feedback on answers, and 转人工 hand-offs.

`gaps()` is what the secretary reads to know what to write next: every question that got no
answer (nothing matched, or only suggestions that were never picked) and every answer marked
没用, grouped by the normalized question text and counted.
"""

from __future__ import annotations

from typing import Any

from storage.db import Store

OUTCOMES = ("answered", "suggested", "picked", "none")


def record_question(
    store: Store,
    channel: str,
    openid: str,
    member_id: int | None,
    text: str,
    norm: str,
    outcome: str,
    entry_id: str | None,
    score: float | None,
    now: str,
    msg_key: str | None = None,
) -> int:
    """A question and how it went; its id (the chat uses `record_questions`, keyed by message)."""
    value = store.scalar(
        _INSERT_QUESTION + " RETURNING id",
        {
            "channel": channel,
            "openid": openid,
            "member_id": member_id,
            "text": text[:500],
            "norm": norm[:500],
            "outcome": outcome,
            "entry_id": entry_id,
            "score": score,
            "now": now,
            "msg_key": msg_key,
        },
    )
    return int(value)


_INSERT_QUESTION = (
    "INSERT INTO kb_questions (channel, openid, member_id, text, norm, outcome, entry_id,"
    " score, asked_at, msg_key) VALUES (:channel, :openid, :member_id, :text, :norm,"
    " :outcome, :entry_id, :score, :now, :msg_key)"
)


def record_questions(store: Store, rows: list[dict[str, Any]]) -> None:
    """`record_question` for many rows (its arguments, each with a `msg_key`), in one
    statement; a row whose message has a question already is left out."""
    store.executemany(
        _INSERT_QUESTION + " ON CONFLICT (msg_key) DO NOTHING",
        [{**r, "text": str(r["text"])[:500], "norm": str(r["norm"])[:500]} for r in rows],
    )


def question_id(store: Store, ref: object) -> int | None:
    """The id of the question a session refers to: a row id (sessions from before questions
    were named by their message) or the asking message's key; None when there is no such row
    (yet: a question answered a moment ago in another process may still wait in its batch)."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return ref
    if not isinstance(ref, str) or not ref:
        return None
    value = store.scalar("SELECT id FROM kb_questions WHERE msg_key = :key", {"key": ref})
    return int(value) if value is not None else None


def set_outcome(
    store: Store, question_id: int, outcome: str, entry_id: str | None, score: float | None
) -> None:
    store.execute(
        "UPDATE kb_questions SET outcome = :outcome, entry_id = :entry_id, score = :score"
        " WHERE id = :id",
        {"outcome": outcome, "entry_id": entry_id, "score": score, "id": question_id},
    )


def question(store: Store, question_id: int) -> dict[str, Any] | None:
    return store.one("SELECT * FROM kb_questions WHERE id = :id", {"id": question_id})


def last_question(store: Store, channel: str, openid: str, since: str) -> dict[str, Any] | None:
    """The most recent question this account asked at or after `since`."""
    return store.one(
        "SELECT * FROM kb_questions WHERE channel = :channel AND openid = :openid"
        " AND asked_at >= :since ORDER BY asked_at DESC, id DESC LIMIT 1",
        {"channel": channel, "openid": openid, "since": since},
    )


def record_feedback(store: Store, question_id: int, entry_id: str, useful: bool, now: str) -> None:
    store.execute(
        "INSERT INTO kb_feedback (question_id, entry_id, useful, at)"
        " VALUES (:question_id, :entry_id, :useful, :now)"
        " ON CONFLICT (question_id) DO UPDATE SET entry_id = excluded.entry_id,"
        " useful = excluded.useful, at = excluded.at",
        {
            "question_id": question_id,
            "entry_id": entry_id,
            "useful": 1 if useful else 0,
            "now": now,
        },
    )


def feedback(store: Store, question_id: int) -> dict[str, Any] | None:
    return store.one("SELECT * FROM kb_feedback WHERE question_id = :id", {"id": question_id})


# -- hand-offs ----------------------------------------------------------------------------


def open_handoff(
    store: Store,
    channel: str,
    openid: str,
    member_id: int | None,
    question_id: int | None,
    text: str,
    assignee_id: int | None,
    now: str,
) -> int:
    return int(
        store.scalar(
            "INSERT INTO handoffs (channel, openid, member_id, question_id, question, assignee_id,"
            " created_at) VALUES (:channel, :openid, :member_id, :question_id, :question,"
            " :assignee_id, :now) RETURNING id",
            {
                "channel": channel,
                "openid": openid,
                "member_id": member_id,
                "question_id": question_id,
                "question": text[:500],
                "assignee_id": assignee_id,
                "now": now,
            },
        )
    )


def pending_handoff(store: Store, channel: str, openid: str, text: str) -> dict[str, Any] | None:
    """An open hand-off of this same question from this account (so 转人工 twice is one)."""
    return store.one(
        "SELECT * FROM handoffs WHERE channel = :channel AND openid = :openid"
        " AND question = :question AND status = 'open' ORDER BY id DESC LIMIT 1",
        {"channel": channel, "openid": openid, "question": text[:500]},
    )


def handoff(store: Store, handoff_id: int) -> dict[str, Any] | None:
    return store.one("SELECT * FROM handoffs WHERE id = :id", {"id": handoff_id})


def close_handoff(
    store: Store, handoff_id: int, answer: str, answered_by: int, delivered: bool, now: str
) -> bool:
    """Record the answer; False when the hand-off was already answered (or does not exist)."""
    cur = store.execute(
        "UPDATE handoffs SET status = 'answered', answer = :answer, answered_by = :answered_by,"
        " answered_at = :now, delivered = :delivered WHERE id = :id AND status = 'open'",
        {
            "answer": answer[:2000],
            "answered_by": answered_by,
            "now": now,
            "delivered": 1 if delivered else 0,
            "id": handoff_id,
        },
    )
    return cur.rowcount == 1


def open_handoffs(store: Store) -> list[dict[str, Any]]:
    return store.query(
        "SELECT h.*, m.name AS member_name, b.name AS branch, a.name AS assignee_name"
        " FROM handoffs h LEFT JOIN members m ON m.id = h.member_id"
        " LEFT JOIN branches b ON b.id = m.branch_id"
        " LEFT JOIN members a ON a.id = h.assignee_id"
        " WHERE h.status = 'open' ORDER BY h.id"
    )


# -- gaps ---------------------------------------------------------------------------------


def gaps(store: Store, since: str) -> list[dict[str, Any]]:
    """Unanswered questions and answers marked 没用 since `since`, grouped and counted:
    rows of (kind 'unanswered' | 'useless', norm, example text, entry_id, count, last_at),
    most frequent first."""
    unanswered = store.query(
        "SELECT 'unanswered' AS kind, norm, MAX(text) AS text, NULL AS entry_id,"
        " COUNT(*) AS count, MAX(asked_at) AS last_at FROM kb_questions"
        " WHERE asked_at >= :since AND outcome IN ('none', 'suggested') GROUP BY norm",
        {"since": since},
    )
    useless = store.query(
        "SELECT 'useless' AS kind, q.norm, MAX(q.text) AS text, f.entry_id, COUNT(*) AS count,"
        " MAX(f.at) AS last_at FROM kb_feedback f JOIN kb_questions q ON q.id = f.question_id"
        " WHERE f.at >= :since AND f.useful = 0 GROUP BY q.norm, f.entry_id",
        {"since": since},
    )
    rows = unanswered + useless
    rows.sort(key=lambda r: (-int(r["count"]), r["kind"], r["norm"]))
    return rows


def counts(store: Store, since: str) -> dict[str, int]:
    """How many questions per outcome, and 有用/没用 verdicts, since `since`."""
    out = {o: 0 for o in OUTCOMES}
    for r in store.query(
        "SELECT outcome, COUNT(*) AS n FROM kb_questions WHERE asked_at >= :since GROUP BY outcome",
        {"since": since},
    ):
        out[r["outcome"]] = int(r["n"])
    for r in store.query(
        "SELECT useful, COUNT(*) AS n FROM kb_feedback WHERE at >= :since GROUP BY useful",
        {"since": since},
    ):
        out["useful" if r["useful"] else "useless"] = int(r["n"])
    return out
