"""Ordered schema migrations that run on SQLite and PostgreSQL.

Each migration is a module `storage/schema/vNNNN_topic.py` with `upgrade(op: Ops) -> None`; its
version is `NNNN_topic` (the name without the leading `v`), recorded in `schema_migrations`
once applied. Migrations describe tables with SQLAlchemy (`Column(Integer)`, `Text`, …), so
the DDL comes out right for each engine (an `id` primary key becomes a rowid alias on SQLite
and an identity column on PostgreSQL); data changes use portable SQL with named parameters.

`migrate(store)` applies the pending ones in name order, all in one transaction under one
exclusive lock (SQLite: the writer flock and BEGIN IMMEDIATE; PostgreSQL: an advisory lock): a
second process doing the same waits, then finds nothing left to do.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.schema import CreateColumn, CreateIndex, CreateTable

from storage.db import Store, lock_id

LOCK = "dangjian:migrate"


@dataclass(frozen=True)
class Migration:
    version: str
    upgrade: Callable[[Ops], None]
    doc: str


def available() -> list[Migration]:
    """Every migration in storage/schema, sorted by version."""
    from storage import schema

    stray = sorted(p.name for folder in schema.__path__ for p in Path(folder).glob("*.sql"))
    if stray:
        raise RuntimeError(
            f"storage/schema/{stray[0]}: schema changes are Python migrations now "
            "(storage/schema/vNNNN_topic.py with upgrade(op); see storage/migrate.py), "
            "so that they run on SQLite and PostgreSQL alike"
        )
    out = []
    for info in pkgutil.iter_modules(schema.__path__):
        if not (info.name.startswith("v") and info.name[1:5].isdigit()):
            continue
        module: ModuleType = importlib.import_module(f"storage.schema.{info.name}")
        out.append(Migration(info.name[1:], module.upgrade, (module.__doc__ or "").strip()))
    out.sort(key=lambda m: m.version)
    versions = [m.version[:4] for m in out]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return out


_VERSIONS = sa.Table(
    "schema_migrations",
    sa.MetaData(),
    sa.Column("version", sa.Text, primary_key=True),
    sa.Column("applied_at", sa.Text, nullable=False, server_default=sa.func.current_timestamp()),
)


def applied(store: Store) -> set[str]:
    """Versions already applied (empty for a new database)."""
    if not sa.inspect(store.conn).has_table("schema_migrations"):
        return set()
    return {r["version"] for r in store.query("SELECT version FROM schema_migrations")}


def migrate(store: Store) -> list[str]:
    """Apply pending migrations; returns the versions applied now."""
    new: list[str] = []
    with store.tx():
        if not store.is_sqlite:  # SQLite: tx() already holds the writer flock and BEGIN IMMEDIATE
            store.execute("SELECT pg_advisory_xact_lock(:id)", {"id": lock_id(LOCK)})
        _VERSIONS.create(store.conn, checkfirst=True)
        done = applied(store)
        op = Ops(store)
        for m in available():
            if m.version in done:
                continue
            m.upgrade(op)
            store.execute(
                "INSERT INTO schema_migrations (version) VALUES (:version)", {"version": m.version}
            )
            new.append(m.version)
    return new


class Ops:
    """What a migration may do. Tables and columns are SQLAlchemy objects; the DDL is compiled
    for the engine at hand. Everything runs inside the migration transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def dialect(self) -> str:
        return self.store.dialect

    def _ddl(self, element: Any) -> None:
        self.store.execute(str(element.compile(dialect=self.store.conn.dialect)))

    def create_table(self, name: str, *items: Any) -> sa.Table:
        """CREATE TABLE from Columns and constraints (UniqueConstraint, CheckConstraint, …).
        A `ForeignKey("table.column")` may name any table created by an earlier migration."""
        meta = sa.MetaData()
        for item in items:
            keys = item.foreign_keys if isinstance(item, sa.Column) else ()
            for fk in keys:
                target, column = fk.target_fullname.split(".")
                if target != name and target not in meta.tables:
                    sa.Table(target, meta, sa.Column(column, sa.Integer, primary_key=True))
        table = sa.Table(name, meta, *items)
        self._ddl(CreateTable(table))
        return table

    def create_index(
        self, name: str, table: str, columns: Iterable[str], unique: bool = False
    ) -> None:
        cols = list(columns)
        t = sa.Table(table, sa.MetaData(), *(sa.Column(c) for c in cols))
        self._ddl(CreateIndex(sa.Index(name, *(t.c[c] for c in cols), unique=unique)))

    def add_column(self, table: str, column: sa.Column[Any]) -> None:
        """ALTER TABLE … ADD COLUMN (nullable, or with a server default)."""
        sa.Table(table, sa.MetaData(), column)
        spec = CreateColumn(column).compile(dialect=self.store.conn.dialect)
        self.store.execute(f"ALTER TABLE {table} ADD COLUMN {spec}")

    def drop_table(self, name: str) -> None:
        self.store.execute(f"DROP TABLE {name}")

    def rename_table(self, old: str, new: str) -> None:
        self.store.execute(f"ALTER TABLE {old} RENAME TO {new}")

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        return self.store.execute(sql, params)

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return self.store.query(sql, params)

    def executemany(self, sql: str, rows: list[dict[str, Any]]) -> int:
        return self.store.executemany(sql, rows)

    def has_table(self, table: str) -> bool:
        return bool(sa.inspect(self.store.conn).has_table(table))

    def columns(self, table: str) -> list[str]:
        return [c["name"] for c in sa.inspect(self.store.conn).get_columns(table)]
