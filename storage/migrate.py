"""Ordered schema migrations: `storage/schema/NNNN_name.sql`, applied once each, in order."""

from __future__ import annotations

from importlib import resources

from storage.db import Store


def available() -> list[tuple[str, str]]:
    """(version, sql) for every migration file, sorted by name."""
    files = resources.files("storage").joinpath("schema")
    out = []
    for entry in sorted(files.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sql"):
            out.append((entry.name.removesuffix(".sql"), entry.read_text(encoding="utf-8")))
    return out


def applied(store: Store) -> set[str]:
    store.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
    )
    return {r["version"] for r in store.query("SELECT version FROM schema_migrations")}


def migrate(store: Store) -> list[str]:
    """Apply pending migrations; returns the versions applied now."""
    done = applied(store)
    new: list[str] = []
    for version, sql in available():
        if version in done:
            continue
        with store._lock:  # executescript runs its own BEGIN/COMMIT
            try:
                store.conn.executescript(
                    "BEGIN IMMEDIATE;\n"
                    + sql
                    + f"\nINSERT INTO schema_migrations (version) VALUES ('{version}');\nCOMMIT;"
                )
            except Exception:
                if store.conn.in_transaction:
                    store.conn.execute("ROLLBACK")
                raise
        new.append(version)
    return new
