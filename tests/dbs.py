"""Test databases: a SQLite file under the test's tmp_path, or, when DANGJIAN_TEST_PG names a
PostgreSQL server (a URL to a database on it; the tests create and drop databases there), a
fresh database per test copied from a migrated template (CREATE DATABASE … TEMPLATE), dropped
when the test ends."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import sqlalchemy as sa

from storage.db import database_url

PG = os.environ.get("DANGJIAN_TEST_PG", "")

_made: dict[tuple[str, str], str] = {}
_to_drop: list[str] = []
_serial = itertools.count(1)
_admin: sa.Connection | None = None
_template = ""


def on_pg() -> bool:
    return bool(PG)


def _admin_conn() -> sa.Connection:
    global _admin
    if _admin is None:
        engine = sa.create_engine(
            database_url(PG), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
        )
        _admin = engine.connect()
    return _admin


def _url(name: str) -> str:
    return database_url(PG).set(database=name).render_as_string(hide_password=False)


def _create(name: str, template: str) -> None:
    _admin_conn().exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def _migrated_template() -> str:
    """A database with every migration applied, made once per test run."""
    global _template
    if not _template:
        from storage import open_store

        name = f"dj_template_{os.getpid()}"
        _admin_conn().exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _create(name, "template0")
        store = open_store(_url(name))
        store.close()
        _template = name
    return _template


def db_for(tmp_path: Path, name: str, empty: bool = False) -> str:
    """The DANGJIAN_DB value for database `name` of this test (the same value when asked
    again). SQLite: a file in tmp_path. PostgreSQL: a new database, already migrated unless
    `empty`."""
    if not PG:
        return str(tmp_path / name)
    key = (str(tmp_path), name)
    if key not in _made:
        db = f"dj_test_{os.getpid()}_{next(_serial)}"
        _create(db, "template0" if empty else _migrated_template())
        _to_drop.append(db)
        _made[key] = _url(db)
    return _made[key]


def drop_test_databases() -> None:
    """Drop the databases made for the test that just ended."""
    while _to_drop:
        db = _to_drop.pop()
        _admin_conn().exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    _made.clear()


def drop_template() -> None:
    global _template, _admin
    drop_test_databases()
    if _template:
        _admin_conn().exec_driver_sql(f'DROP DATABASE IF EXISTS "{_template}" WITH (FORCE)')
        _template = ""
    if _admin is not None:
        _admin.close()
        _admin = None
