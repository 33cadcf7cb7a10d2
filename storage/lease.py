"""The runner lease: one row per name, so exactly one process runs the scheduled jobs.

A runner takes the lease with a random token made at its start, renews it well before it
expires and releases it (deletes the row) on a clean shutdown. Another runner is refused while
the lease is held and takes it over only once it has expired or been released. The holder is
known by its token alone: host and pid are kept only to tell a person who holds it (two
containers can share a host name and a pid), so a runner restarted after kill -9 waits for its
predecessor's lease to expire.

Taking is one atomic statement (an upsert whose update applies only when the row is ours or
expired), the same on SQLite and PostgreSQL, so two runners on two hosts can't both win.
Instants are UTC stamps (see bot.clock.stamp), which compare as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.db import Store

JOBS = "jobs"


@dataclass(frozen=True)
class Claim:
    """Who asks for the lease."""

    token: str
    host: str
    pid: int


@dataclass(frozen=True)
class Outcome:
    taken: bool
    holder: dict[str, Any] | None  # the row now in force (ours when taken)
    took_over: dict[str, Any] | None = None  # the previous holder we replaced, if any


def holder(store: Store, name: str = JOBS) -> dict[str, Any] | None:
    return store.one("SELECT * FROM lease WHERE name = :name", {"name": name})


def take(store: Store, claim: Claim, now: str, expires_at: str, name: str = JOBS) -> Outcome:
    """Take the lease if it is free, expired or already ours."""
    with store.tx():
        before = holder(store, name)
        won = store.scalar(
            "INSERT INTO lease (name, token, host, pid, since, renewed_at, expires_at)"
            " VALUES (:name, :token, :host, :pid, :now, :now, :expires_at)"
            " ON CONFLICT (name) DO UPDATE SET"
            " since = CASE WHEN lease.token = excluded.token THEN lease.since"
            " ELSE excluded.since END,"
            " token = excluded.token, host = excluded.host, pid = excluded.pid,"
            " renewed_at = excluded.renewed_at, expires_at = excluded.expires_at"
            " WHERE lease.token = excluded.token OR lease.expires_at <= excluded.renewed_at"
            " RETURNING token",
            {
                "name": name,
                "token": claim.token,
                "host": claim.host,
                "pid": claim.pid,
                "now": now,
                "expires_at": expires_at,
            },
        )
        current = holder(store, name)
        if won != claim.token:
            return Outcome(False, current)
        previous = before if before is not None and before["token"] != claim.token else None
        return Outcome(True, current, previous)


def renew(store: Store, token: str, now: str, expires_at: str, name: str = JOBS) -> bool:
    """Extend our lease. False when it is no longer ours (it expired and someone took it)."""
    with store.tx():
        cur = store.execute(
            "UPDATE lease SET renewed_at = :now, expires_at = :expires_at"
            " WHERE name = :name AND token = :token",
            {"now": now, "expires_at": expires_at, "name": name, "token": token},
        )
        return cur.rowcount == 1


def release(store: Store, token: str, name: str = JOBS) -> bool:
    with store.tx():
        cur = store.execute(
            "DELETE FROM lease WHERE name = :name AND token = :token",
            {"name": name, "token": token},
        )
        return cur.rowcount == 1
