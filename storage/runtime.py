"""Process-wide state kept in the database: the content generation (`dangjian reload`) and the
health probe (`GET /healthz`)."""

from __future__ import annotations

from storage.db import Store


def generation(store: Store) -> int:
    """The current content generation (0 before the first reload)."""
    value = store.scalar("SELECT generation FROM content_generation WHERE id = 1")
    return int(value) if value is not None else 0


def bump_generation(store: Store, now: str, reason: str = "") -> int:
    """Ask every process to reload its content; returns the new generation."""
    with store.tx():
        store.execute(
            "INSERT INTO content_generation (id, generation, reason, changed_at)"
            " VALUES (1, 1, :reason, :now) ON CONFLICT (id) DO UPDATE SET"
            " generation = content_generation.generation + 1,"
            " reason = excluded.reason, changed_at = excluded.changed_at",
            {"reason": reason, "now": now},
        )
        return generation(store)


def probe_write(store: Store, now: str) -> None:
    """A small write that shows the database takes writes (raises when it does not)."""
    with store.tx(durable=False):
        store.execute(
            "INSERT INTO health_probe (id, checked_at) VALUES (1, :now)"
            " ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
            {"now": now},
        )
