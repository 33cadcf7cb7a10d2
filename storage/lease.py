"""The runner lease: one row per name, so exactly one process runs the scheduled jobs.

A runner takes the lease with a token unique to its start, renews it well before it expires and
releases it on a clean shutdown. Another runner is refused while the lease is held, and takes it
over once it has expired — or at once when the holder was on this same host and its process is
gone (kill -9, a crash), so a restart does not have to wait for the expiry.

Times are ISO-8601 strings in one time zone, so they compare as strings.
"""

from __future__ import annotations

from collections.abc import Callable
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
    return store.one("SELECT * FROM lease WHERE name = ?", (name,))


def take(
    store: Store,
    claim: Claim,
    now: str,
    expires_at: str,
    name: str = JOBS,
    alive: Callable[[int], bool] | None = None,
) -> Outcome:
    """Take the lease if it is free, expired, already ours, or held by a dead process on this
    host (`alive(pid)` says whether a local pid still runs)."""
    with store.tx():
        row = holder(store, name)
        free = (
            row is None
            or row["token"] == claim.token
            or row["expires_at"] <= now
            or (row["host"] == claim.host and alive is not None and not alive(int(row["pid"])))
        )
        if not free:
            return Outcome(False, row)
        since = row["since"] if row is not None and row["token"] == claim.token else now
        store.execute(
            "INSERT INTO lease (name, token, host, pid, since, renewed_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET"
            " token = excluded.token, host = excluded.host, pid = excluded.pid,"
            " since = excluded.since, renewed_at = excluded.renewed_at,"
            " expires_at = excluded.expires_at",
            (name, claim.token, claim.host, claim.pid, since, now, expires_at),
        )
        previous = row if row is not None and row["token"] != claim.token else None
        return Outcome(True, holder(store, name), previous)


def renew(store: Store, token: str, now: str, expires_at: str, name: str = JOBS) -> bool:
    """Extend our lease. False when it is no longer ours (it expired and someone took it)."""
    with store.tx():
        cur = store.execute(
            "UPDATE lease SET renewed_at = ?, expires_at = ? WHERE name = ? AND token = ?",
            (now, expires_at, name, token),
        )
        return cur.rowcount == 1


def release(store: Store, token: str, name: str = JOBS) -> bool:
    with store.tx():
        cur = store.execute("DELETE FROM lease WHERE name = ? AND token = ?", (name, token))
        return cur.rowcount == 1
