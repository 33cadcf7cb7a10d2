"""Copy a whole deployment from one database to another (`dangjian migrate-data`): typically
the SQLite file into a new PostgreSQL database.

Both sides are brought to the current schema first. The target must be empty. Tables are
copied in foreign-key order, in one target transaction (all or nothing), in batches; then the
identity sequences are set past the copied ids, and the row count of every table is compared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from storage.db import Store
from storage.migrate import migrate

SKIP = ("schema_migrations",)


class CopyError(Exception):
    """Why the copy was refused or failed, ready to show."""


def tables(store: Store) -> list[sa.Table]:
    """The application's tables in foreign-key order (parents first)."""
    meta = sa.MetaData()
    with store.read():
        meta.reflect(bind=store.conn)
    return [t for t in meta.sorted_tables if t.name not in SKIP]


def counts(store: Store) -> dict[str, int]:
    return {t.name: int(store.scalar(f"SELECT COUNT(*) FROM {t.name}")) for t in tables(store)}


def _coerce(table: sa.Table) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """SQLite stores whatever it was given; make each value the target column's type."""
    kinds: dict[str, Callable[[Any], Any]] = {}
    for c in table.columns:
        t = c.type
        if isinstance(t, sa.Integer):
            kinds[c.name] = int
        elif isinstance(t, sa.Float | sa.Numeric):
            kinds[c.name] = float
        elif isinstance(t, sa.LargeBinary):
            kinds[c.name] = lambda v: v if isinstance(v, bytes) else str(v).encode()
        elif isinstance(t, sa.String):
            kinds[c.name] = str

    def fix(row: dict[str, Any]) -> dict[str, Any]:
        return {k: (kinds[k](v) if v is not None and k in kinds else v) for k, v in row.items()}

    return fix


def copy_all(
    source: Store,
    target: Store,
    batch: int = 5000,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Copy every row of `source` into the empty `target`; returns rows per table."""
    migrate(source)
    migrate(target)
    filled = {name: n for name, n in counts(target).items() if n}
    if filled:
        listing = ", ".join(f"{name} ({n})" for name, n in sorted(filled.items()))
        raise CopyError(f"目标数据库不是空的，不复制 (the target database is not empty): {listing}")
    source_tables = {t.name: t for t in tables(source)}
    copied: dict[str, int] = {}
    with target.tx():
        for table in tables(target):
            src = source_tables.get(table.name)
            if src is None:
                raise CopyError(f"源数据库没有表 {table.name} (no such table in the source)")
            names = [c.name for c in table.columns]
            missing = set(names) ^ {c.name for c in src.columns}
            if missing:
                raise CopyError(
                    f"表 {table.name} 的列不一致 (columns differ): {', '.join(sorted(missing))}"
                )
            fix = _coerce(table)
            order = [src.c[c.name] for c in table.primary_key.columns] or [src.c[names[0]]]
            n = 0
            with source.read():
                result = source.conn.execute(sa.select(*(src.c[c] for c in names)).order_by(*order))
                for part in result.mappings().partitions(batch):
                    rows = [fix(dict(r)) for r in part]
                    target.conn.execute(table.insert(), rows)
                    n += len(rows)
                    if progress:
                        progress(table.name, n)
            copied[table.name] = n
        if not target.is_sqlite:
            for table in tables(target):
                auto = table.autoincrement_column
                if auto is None:
                    continue
                target.execute(
                    f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE(MAX({auto.name}), 1),"
                    f" MAX({auto.name}) IS NOT NULL) FROM {table.name}",
                    {"t": table.name, "c": auto.name},
                )
    after = counts(target)
    before = counts(source)
    wrong = {t: (before.get(t), n) for t, n in after.items() if before.get(t) != n}
    if wrong:
        raise CopyError(f"行数不一致 (row counts differ, source/target): {wrong}")
    return copied
