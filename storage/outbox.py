"""The push outbox: one row per (job, period, member) key, so enqueueing twice is a no-op.

Status flow: pending -> sending -> sent | skipped | failed (or back to pending with a later
next_attempt_at for a transient error). The dispatcher in bot/jobs/ owns the transitions.
"""

from __future__ import annotations

from collections.abc import Iterable
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
