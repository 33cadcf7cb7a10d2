"""What `GET /healthz` reports: whether the database takes writes, how much content is loaded,
and who holds the scheduler lease. Non-200 when the database can't be written or a library is
empty (unless DANGJIAN_ALLOW_EMPTY=1)."""

from __future__ import annotations

import logging
from typing import Any

from bot import reload
from bot.clock import parse_stamp, stamp
from bot.services import Services

log = logging.getLogger(__name__)


def report(services: Services) -> tuple[int, dict[str, Any]]:
    from storage import lease, runtime

    now = services.clock.now()
    database: dict[str, Any] = {"writable": True}
    try:
        runtime.probe_write(services.store, stamp(now))
    except Exception as exc:  # read-only file, full disk, locked past the busy timeout
        log.error("health check: the database does not take writes: %s", exc)
        database = {"writable": False, "error": f"{type(exc).__name__}: {exc}"[:200]}
    counts = reload.counts(services)
    empty = counts.empty()
    content: dict[str, Any] = {**counts.as_dict(), "empty": empty}
    if services.reloader is not None:
        content["generation"] = services.reloader.seen
    scheduler: dict[str, Any] | None = None
    try:
        row = lease.holder(services.store)
    except Exception:
        row = None
    if row is not None:
        scheduler = {
            "host": row.get("host"),
            "pid": row.get("pid"),
            "since": row.get("since"),
            "renewed_at": row.get("renewed_at"),
            "expires_at": row.get("expires_at"),
            "expired": parse_stamp(str(row["expires_at"])) <= now,
        }
    healthy = database["writable"] and (not empty or services.settings.allow_empty)
    body = {
        "status": "ok" if healthy else "error",
        "database": database,
        "content": content,
        "scheduler": scheduler,
    }
    return (200 if healthy else 503), body
