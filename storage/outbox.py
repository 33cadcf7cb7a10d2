"""The push outbox: one row per (job, period, member) key, so enqueueing twice is a no-op.

Status flow: pending -> sending -> sent | skipped | failed (or back to pending with a later
next_attempt_at for a transient error). The dispatcher in bot/jobs/dispatch.py owns the
transitions: `claim_due` marks a batch `sending` (and counts the attempt) in one transaction
BEFORE anything is sent, `settle` records each row's outcome AFTER. A row left in `sending` by a
crash is put back to `pending` by the next runner (`reset_interrupted`): it may have been
delivered already, which is the one way a member can receive a push twice.

`reason` holds a short code for skipped and failed rows (window, unbound, unsubscribed,
quiet_hours, expired, inactive, errcode:43004, http:404, ...); `last_error` the full text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from storage.db import Store


@dataclass(frozen=True)
class Push:
    job: str  # e.g. 'study', 'reminder', 'broadcast:17', 'handoff', 'meeting:3:24h'
    period: str  # e.g. '2026-12-02'
    member_id: int
    kind: str  # what kind of message (chooses a template): study, reminder, notice, meeting, reply
    text: str

    @property
    def key(self) -> str:
        return f"{self.job}|{self.period}|{self.member_id}"


def enqueue(store: Store, pushes: Iterable[Push], now: str) -> int:
    """Add pushes; existing keys are left alone. Returns how many rows were new."""
    rows = [(p.key, p.job, p.period, p.member_id, p.kind, p.text, now, now) for p in pushes]
    if not rows:
        return 0
    with store.tx():
        before = store.conn.total_changes
        store.executemany(
            "INSERT OR IGNORE INTO outbox (key, job, period, member_id, kind, text, next_attempt_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return store.conn.total_changes - before


def by_status(store: Store, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    if status:
        return store.query(
            "SELECT * FROM outbox WHERE status = ? ORDER BY id DESC LIMIT ?", (status, limit)
        )
    return store.query("SELECT * FROM outbox ORDER BY id DESC LIMIT ?", (limit,))


def counts(store: Store, job: str | None = None) -> dict[str, int]:
    if job:
        rows = store.query(
            "SELECT status, COUNT(*) AS n FROM outbox WHERE job = ? GROUP BY status", (job,)
        )
    else:
        rows = store.query("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
    return {r["status"]: int(r["n"]) for r in rows}


# -- the dispatcher's side ----------------------------------------------------------------

FINAL = ("sent", "skipped", "failed")

_CLAIM_SQL = """
SELECT o.id, o.key, o.job, o.period, o.member_id, o.kind, o.text, o.attempts, o.created_at,
       m.active AS member_active, m.wecom_userid, b.openid AS wechat_openid,
       f.subscribed AS wechat_subscribed, f.last_inbound_at AS wechat_last_inbound_at
FROM outbox o
LEFT JOIN members m ON m.id = o.member_id
LEFT JOIN bindings b ON b.channel = 'wechat' AND b.member_id = o.member_id
LEFT JOIN followers f ON f.channel = 'wechat' AND f.openid = b.openid
WHERE o.status = 'pending' AND o.next_attempt_at <= ?
ORDER BY o.next_attempt_at, o.id
LIMIT ?
"""


@dataclass(frozen=True)
class Settle:
    """The outcome of one send: status 'sent', 'skipped', 'failed' or 'pending' (retry later)."""

    id: int
    status: str
    channel: str | None = None
    reason: str | None = None
    error: str | None = None
    next_attempt_at: str | None = None  # for 'pending'


def claim_due(store: Store, now: str, limit: int) -> list[dict[str, Any]]:
    """Take up to `limit` due rows, mark them `sending` and count the attempt, in one
    transaction. Each row comes with what the channel choice needs: the member's active flag,
    WeCom userid, Official Account openid, subscription and last inbound time."""
    with store.tx():
        rows = store.query(_CLAIM_SQL, (now, limit))
        if rows:
            marks = ",".join("?" * len(rows))
            store.execute(
                f"UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id IN ({marks})",
                [r["id"] for r in rows],
            )
            for r in rows:
                r["attempts"] = int(r["attempts"]) + 1
    return rows


def settle(store: Store, outcomes: Sequence[Settle], now: str) -> None:
    """Record the outcome of sends, in one transaction. Only rows still `sending` change."""
    if not outcomes:
        return
    with store.tx():
        store.executemany(
            "UPDATE outbox SET status = ?, channel = COALESCE(?, channel), reason = ?,"
            " last_error = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END,"
            " next_attempt_at = COALESCE(?, next_attempt_at)"
            " WHERE id = ? AND status = 'sending'",
            [
                (
                    o.status,
                    o.channel,
                    o.reason,
                    o.error,
                    o.status,
                    now,
                    o.next_attempt_at,
                    o.id,
                )
                for o in outcomes
            ],
        )


def reset_interrupted(store: Store, now: str) -> int:
    """Rows a dead runner left in `sending` go back to `pending` (they may have been sent)."""
    with store.tx():
        cur = store.execute(
            "UPDATE outbox SET status = 'pending', reason = 'interrupted',"
            " last_error = 'runner stopped between marking and recording the send',"
            " next_attempt_at = ? WHERE status = 'sending'",
            (now,),
        )
        return cur.rowcount


def due_count(store: Store, now: str) -> int:
    return int(
        store.scalar(
            "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?", (now,)
        )
    )


def unfinished(store: Store, job: str | None = None) -> int:
    """Rows not yet final (pending or sending), for one job or all."""
    if job:
        return int(
            store.scalar(
                "SELECT COUNT(*) FROM outbox WHERE job = ? AND status IN ('pending', 'sending')",
                (job,),
            )
        )
    return int(store.scalar("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')"))


def reasons(store: Store, job: str) -> dict[tuple[str, str], int]:
    """(status, reason) -> count for one job."""
    rows = store.query(
        "SELECT status, COALESCE(reason, '') AS reason, COUNT(*) AS n FROM outbox WHERE job = ?"
        " GROUP BY status, reason",
        (job,),
    )
    return {(r["status"], r["reason"]): int(r["n"]) for r in rows}


def listing(
    store: Store, status: str | None = None, job: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Rows for `dangjian outbox`, newest first, with the member's name."""
    sql = (
        "SELECT o.id, o.job, o.period, o.kind, o.status, o.attempts, o.next_attempt_at,"
        " o.reason, o.last_error, o.channel, o.created_at, o.sent_at, m.name"
        " FROM outbox o LEFT JOIN members m ON m.id = o.member_id WHERE 1 = 1"
    )
    params: list[Any] = []
    if status:
        sql += " AND o.status = ?"
        params.append(status)
    if job:
        sql += " AND o.job = ?"
        params.append(job)
    return store.query(sql + " ORDER BY o.id DESC LIMIT ?", [*params, limit])
