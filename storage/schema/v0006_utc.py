"""Stored instants in UTC: rows written in the organization's zone ('…+08:00') are rewritten as
'…+00:00', so instants written by processes with different DANGJIAN_TIMEZONE compare right.
Dates (`day`, `due_day` …) stay the organization's calendar days.

Tables and columns added by later migrations are listed too: a database made by code that had
those migrations but not this one (they were numbered after it) gets them converted as well;
what doesn't exist yet is skipped."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.migrate import Ops

# table -> (primary key columns, instant columns)
INSTANTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "members": (("id",), ("created_at", "updated_at")),
    "bindings": (("channel", "openid"), ("bound_at",)),
    "followers": (("channel", "openid"), ("first_seen_at", "last_inbound_at", "unsubscribed_at")),
    "bind_failures": (("id",), ("at",)),
    "inbound_log": (("key",), ("received_at",)),
    "sessions": (("channel", "openid"), ("updated_at",)),
    "checkins": (("member_id", "day"), ("at",)),
    "points": (("id",), ("at",)),
    "reflections": (("id",), ("at",)),
    "outbox": (("id",), ("next_attempt_at", "created_at", "sent_at", "unsure_since")),
    "console_inbox": (("id",), ("at",)),
    "quiz_sessions": (("id",), ("started_at", "finished_at")),
    "quiz_attempts": (("session_id", "position"), ("sent_at", "answered_at")),
    "kb_questions": (("id",), ("asked_at",)),
    "kb_feedback": (("question_id",), ("at",)),
    "handoffs": (("id",), ("created_at", "answered_at")),
    "lease": (("name",), ("since", "renewed_at", "expires_at")),
    "job_runs": (("job",), ("ran_at", "scheduled_for")),
    "broadcasts": (("id",), ("send_at", "created_at", "queued_at", "done_at")),
    "meetings": (("id",), ("starts_at", "created_at", "reminded_24h_at", "reminded_1h_at")),
    "meeting_members": (("meeting_id", "member_id"), ("at",)),
    "content_generation": (("id",), ("changed_at",)),
    "health_probe": (("id",), ("checked_at",)),
    "custom_quota": (("channel", "openid"), ("window_start",)),
}


def to_utc(value: object) -> object:
    """'2026-12-02T09:00:00+08:00' -> '2026-12-02T01:00:00+00:00'; anything without an offset
    (or not a time at all) is left as it is."""
    if not isinstance(value, str) or not value:
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def upgrade(op: Ops) -> None:
    for table, (keys, wanted) in INSTANTS.items():
        present = set(op.columns(table)) if op.has_table(table) else set()
        columns = tuple(c for c in wanted if c in present)
        if not columns:
            continue
        names = ", ".join((*keys, *columns))
        changed = []
        for row in op.query(f"SELECT {names} FROM {table}"):
            new = {c: to_utc(row[c]) for c in columns}
            if any(new[c] != row[c] for c in columns):
                changed.append({**{f"k_{k}": row[k] for k in keys}, **new})
        if changed:
            sets = ", ".join(f"{c} = :{c}" for c in columns)
            where = " AND ".join(f"{k} = :k_{k}" for k in keys)
            op.executemany(f"UPDATE {table} SET {sets} WHERE {where}", changed)
