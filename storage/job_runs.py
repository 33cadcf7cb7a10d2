"""When each scheduled job last ran: lets a restarted runner find the runs it missed."""

from __future__ import annotations

from typing import Any

from storage.db import Store


def last(store: Store, job: str) -> dict[str, Any] | None:
    return store.one("SELECT * FROM job_runs WHERE job = :job", {"job": job})


def record(store: Store, job: str, ran_at: str, scheduled_for: str | None, note: str = "") -> None:
    with store.tx():
        store.execute(
            "INSERT INTO job_runs (job, ran_at, scheduled_for, note)"
            " VALUES (:job, :ran_at, :scheduled_for, :note)"
            " ON CONFLICT (job) DO UPDATE SET ran_at = excluded.ran_at,"
            " scheduled_for = excluded.scheduled_for, note = excluded.note",
            {"job": job, "ran_at": ran_at, "scheduled_for": scheduled_for, "note": note},
        )


def all_runs(store: Store) -> list[dict[str, Any]]:
    return store.query("SELECT * FROM job_runs ORDER BY job")
