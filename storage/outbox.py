"""The push outbox: one row per (job, period, member) key, so enqueueing twice is a no-op.

Status flow: pending -> sending -> sent | skipped | failed | unknown (or back to pending with a
later next_attempt_at for a transient error). The dispatcher in bot/jobs/dispatch.py owns the
transitions: `claim_due` marks a batch `sending` (and counts the attempt) in one transaction
BEFORE anything is sent, `settle` records each row's outcome AFTER. A row left in `sending` by a
crash is put back to `pending` by the next runner (`reset_interrupted`): it may have been
delivered already, which is the one way a member can receive a push twice.

`reason` holds a short code for skipped and failed rows (window, unbound, unsubscribed,
quiet_hours, expired, inactive, quota, errcode:43004, http:404, ...); `last_error` the full
text. A send whose outcome is unknown and that must not be repeated (a customer-service message
that timed out after it went out) ends as `unknown`: it may have arrived.

Retention: `prune` deletes sent and skipped rows whose last attempt is older than a cut-off
(DANGJIAN_OUTBOX_KEEP_DAYS, default 30), after adding their counts per job, period, status and
reason to `outbox_pruned`; `counts` and `reasons` include those, so a notice's delivery summary
stays whole. Failed, unknown, pending and sending rows are kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from storage.db import Store


@dataclass(frozen=True)
class Push:
    job: str  # e.g. 'study', 'reminder', 'broadcast:17', 'handoff', 'meeting:3:24h'
    period: str  # e.g. '2026-12-02'
    member_id: int
    kind: str  # what kind of message (chooses a template): study, reminder, notice, meeting, reply
    text: str
    # What fills a template message: title, summary, time (a stamp), branch, place. Missing
    # parts are derived from the kind and the text when the push is sent.
    parts: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def key(self) -> str:
        return f"{self.job}|{self.period}|{self.member_id}"


UNKNOWN = "unknown"  # status of a send whose outcome is unknown (not repeated)
PRUNED = ("sent", "skipped")  # the statuses `prune` deletes (after counting them)


def enqueue(store: Store, pushes: Iterable[Push], now: str) -> int:
    """Add pushes; existing keys are left alone. Returns how many rows were new."""
    rows = [
        {
            "key": p.key,
            "job": p.job,
            "period": p.period,
            "member_id": p.member_id,
            "kind": p.kind,
            "text": p.text,
            "parts": json.dumps(dict(p.parts), ensure_ascii=False) if p.parts else None,
            "now": now,
        }
        for p in pushes
    ]
    if not rows:
        return 0
    with store.tx():
        return store.executemany(
            "INSERT INTO outbox (key, job, period, member_id, kind, text, parts, next_attempt_at,"
            " created_at) VALUES (:key, :job, :period, :member_id, :kind, :text, :parts, :now,"
            " :now) ON CONFLICT (key) DO NOTHING",
            rows,
        )


def parts_of(row: Mapping[str, Any]) -> dict[str, str]:
    """The parts stored with a row (an empty dict when none or unreadable)."""
    raw = row.get("parts")
    if not raw:
        return {}
    try:
        value = json.loads(str(raw))
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def get(store: Store, row_id: int) -> dict[str, Any] | None:
    return store.one(
        "SELECT o.*, m.name FROM outbox o LEFT JOIN members m ON m.id = o.member_id"
        " WHERE o.id = :id",
        {"id": row_id},
    )


def by_status(store: Store, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    if status:
        return store.query(
            "SELECT * FROM outbox WHERE status = :status ORDER BY id DESC LIMIT :limit",
            {"status": status, "limit": limit},
        )
    return store.query("SELECT * FROM outbox ORDER BY id DESC LIMIT :limit", {"limit": limit})


def counts(store: Store, job: str | None = None) -> dict[str, int]:
    """Rows per status, pruned ones included."""
    where, params = ("WHERE job = :job", {"job": job}) if job else ("", {})
    with store.read():
        rows = store.query(
            f"SELECT status, COUNT(*) AS n FROM outbox {where} GROUP BY status", params
        )
        rows += store.query(
            f"SELECT status, SUM(n) AS n FROM outbox_pruned {where} GROUP BY status", params
        )
    out: dict[str, int] = {}
    for r in rows:
        out[r["status"]] = out.get(r["status"], 0) + int(r["n"])
    return out


# -- the dispatcher's side ----------------------------------------------------------------

FINAL = ("sent", "skipped", "failed", UNKNOWN)

_CLAIM_SQL = """
SELECT o.id, o.key, o.job, o.period, o.member_id, o.kind, o.text, o.attempts, o.created_at,
       o.parts, o.unsure_since,
       m.active AS member_active, m.wecom_userid, b.openid AS wechat_openid,
       br.name AS branch,
       f.subscribed AS wechat_subscribed, f.last_inbound_at AS wechat_last_inbound_at,
       q.window_start AS custom_window, q.sent AS custom_sent
FROM outbox o
LEFT JOIN members m ON m.id = o.member_id
LEFT JOIN branches br ON br.id = m.branch_id
LEFT JOIN bindings b ON b.channel = 'wechat' AND b.member_id = o.member_id
LEFT JOIN followers f ON f.channel = 'wechat' AND f.openid = b.openid
LEFT JOIN custom_quota q ON q.channel = 'wechat' AND q.openid = b.openid
WHERE o.id IN :ids
ORDER BY o.next_attempt_at, o.id
"""

_OUTBOX = sa.table("outbox", sa.column("id"), sa.column("status"), sa.column("next_attempt_at"))


@dataclass(frozen=True)
class Settle:
    """The outcome of one send: status 'sent', 'skipped', 'failed', 'unknown' (it may have
    arrived; not repeated) or 'pending' (retry later)."""

    id: int
    status: str
    channel: str | None = None
    reason: str | None = None
    error: str | None = None
    next_attempt_at: str | None = None  # for 'pending'
    unsure_since: str | None = None  # the first unknown outcome of this row, if any
    # A customer-service message that went out (or may have): (openid, window_start) to count
    custom: tuple[str, str] | None = None


def claim_due(store: Store, now: str, limit: int) -> list[dict[str, Any]]:
    """Take up to `limit` due rows, mark them `sending` and count the attempt, in one
    transaction. Each row comes with what the channel choice needs: the member's active flag,
    WeCom userid, Official Account openid, subscription and last inbound time.

    Several dispatchers may claim at once: on PostgreSQL the due rows are locked with
    FOR UPDATE SKIP LOCKED, so each process takes different rows without waiting (on SQLite
    the writer lock already makes claims one at a time)."""
    due = (
        sa.select(_OUTBOX.c.id)
        .where(_OUTBOX.c.status == "pending", _OUTBOX.c.next_attempt_at <= now)
        .order_by(_OUTBOX.c.next_attempt_at, _OUTBOX.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with store.tx():
        ids = [int(r["id"]) for r in store.query(due)]
        if not ids:
            return []
        store.execute(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id IN :ids",
            {"ids": ids},
        )
        return store.query(_CLAIM_SQL, {"ids": ids})


def settle(store: Store, outcomes: Sequence[Settle], now: str) -> None:
    """Record the outcome of sends, in one transaction. Only rows still `sending` change.
    Customer-service messages that went out (or may have) count against the member's quota."""
    if not outcomes:
        return
    with store.tx():
        store.executemany(
            "UPDATE outbox SET status = :status, channel = COALESCE(:channel, channel),"
            " reason = :reason, last_error = :error,"
            " sent_at = CASE WHEN :status = 'sent' THEN :now ELSE sent_at END,"
            " next_attempt_at = COALESCE(:next_attempt_at, next_attempt_at),"
            " unsure_since = COALESCE(:unsure_since, unsure_since)"
            " WHERE id = :id AND status = 'sending'",
            [
                {
                    "status": o.status,
                    "channel": o.channel,
                    "reason": o.reason,
                    "error": o.error,
                    "now": now,
                    "next_attempt_at": o.next_attempt_at,
                    "unsure_since": o.unsure_since,
                    "id": o.id,
                }
                for o in outcomes
            ],
        )
        for o in outcomes:
            if o.custom is not None:
                count_custom(store, "wechat", o.custom[0], o.custom[1])


def count_custom(store: Store, channel: str, openid: str, window_start: str) -> None:
    """One more customer-service message to `openid` since its message at `window_start`."""
    store.execute(
        "INSERT INTO custom_quota (channel, openid, window_start, sent)"
        " VALUES (:channel, :openid, :window_start, 1)"
        " ON CONFLICT (channel, openid) DO UPDATE SET"
        " sent = CASE WHEN custom_quota.window_start = excluded.window_start"
        " THEN custom_quota.sent + 1 ELSE 1 END,"
        " window_start = excluded.window_start",
        {"channel": channel, "openid": openid, "window_start": window_start},
    )


def custom_sent(store: Store, channel: str, openid: str, window_start: str) -> int:
    """Customer-service messages counted for `openid` since its message at `window_start`."""
    value = store.scalar(
        "SELECT sent FROM custom_quota WHERE channel = :channel AND openid = :openid"
        " AND window_start = :window_start",
        {"channel": channel, "openid": openid, "window_start": window_start},
    )
    return int(value or 0)


def reset_interrupted(store: Store, now: str) -> int:
    """Rows a dead runner left in `sending` go back to `pending` (they may have been sent)."""
    with store.tx():
        cur = store.execute(
            "UPDATE outbox SET status = 'pending', reason = 'interrupted',"
            " last_error = 'runner stopped between marking and recording the send',"
            " next_attempt_at = :now WHERE status = 'sending'",
            {"now": now},
        )
        return cur.rowcount


def due_count(store: Store, now: str) -> int:
    return int(
        store.scalar(
            "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND next_attempt_at <= :now",
            {"now": now},
        )
    )


def unfinished(store: Store, job: str | None = None) -> int:
    """Rows not yet final (pending or sending), for one job or all."""
    if job:
        return int(
            store.scalar(
                "SELECT COUNT(*) FROM outbox WHERE job = :job AND status IN ('pending', 'sending')",
                {"job": job},
            )
        )
    return int(store.scalar("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')"))


def reasons(store: Store, job: str) -> dict[tuple[str, str], int]:
    """(status, reason) -> count for one job, pruned rows included."""
    params = {"job": job}
    with store.read():
        rows = store.query(
            "SELECT status, COALESCE(reason, '') AS reason, COUNT(*) AS n FROM outbox"
            " WHERE job = :job GROUP BY status, reason",
            params,
        )
        rows += store.query(
            "SELECT status, reason, SUM(n) AS n FROM outbox_pruned WHERE job = :job"
            " GROUP BY status, reason",
            params,
        )
    out: dict[tuple[str, str], int] = {}
    for r in rows:
        out[(r["status"], r["reason"])] = out.get((r["status"], r["reason"]), 0) + int(r["n"])
    return out


def prune(store: Store, before: str, batch: int = 5000) -> int:
    """Delete sent and skipped rows whose last attempt (`next_attempt_at`) is before `before`,
    adding their counts to `outbox_pruned` in the same transaction; `batch` rows per
    transaction, so the writer lock is never held long. Returns how many rows went."""
    removed = 0
    while True:
        with store.tx(durable=False):
            rows = store.query(
                "SELECT id, job, period, status, COALESCE(reason, '') AS reason FROM outbox"
                " WHERE status IN :statuses AND next_attempt_at < :before LIMIT :batch",
                {"statuses": list(PRUNED), "before": before, "batch": batch},
            )
            if not rows:
                return removed
            tally: dict[tuple[str, str, str, str], int] = {}
            for r in rows:
                k = (r["job"], r["period"], r["status"], r["reason"])
                tally[k] = tally.get(k, 0) + 1
            store.executemany(
                "INSERT INTO outbox_pruned (job, period, status, reason, n)"
                " VALUES (:job, :period, :status, :reason, :n)"
                " ON CONFLICT (job, period, status, reason)"
                " DO UPDATE SET n = outbox_pruned.n + excluded.n",
                [
                    {"job": j, "period": p, "status": st, "reason": why, "n": n}
                    for (j, p, st, why), n in tally.items()
                ],
            )
            store.execute(
                "DELETE FROM outbox WHERE id IN :ids", {"ids": [int(r["id"]) for r in rows]}
            )
            removed += len(rows)


def listing(
    store: Store, status: str | None = None, job: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Rows for `dangjian outbox`, newest first, with the member's name."""
    sql = (
        "SELECT o.id, o.job, o.period, o.kind, o.status, o.attempts, o.next_attempt_at,"
        " o.reason, o.last_error, o.channel, o.created_at, o.sent_at, m.name"
        " FROM outbox o LEFT JOIN members m ON m.id = o.member_id WHERE 1 = 1"
    )
    params: dict[str, Any] = {"limit": limit}
    if status:
        sql += " AND o.status = :status"
        params["status"] = status
    if job:
        sql += " AND o.job = :job"
        params["job"] = job
    return store.query(sql + " ORDER BY o.id DESC LIMIT :limit", params)
