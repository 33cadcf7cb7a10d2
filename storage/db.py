"""One database connection per process, through SQLAlchemy Core, on SQLite or PostgreSQL.

`DANGJIAN_DB` is a file path (SQLite, the default) or a `postgresql://` URL (psycopg 3). The
rest of the code sees one API whatever the engine:

- `with store.tx(durable=True):` a write transaction. On SQLite: an exclusive flock on
  `<db>.lock` (writers queue on it instead of sleeping in SQLite's busy handler), then
  `BEGIN IMMEDIATE`, so a read-then-write never fails half way. On PostgreSQL: a plain
  transaction (READ COMMITTED); what needs more takes row locks (`SELECT … FOR UPDATE` through
  SQLAlchemy's `with_for_update`), a unique constraint, or `store.lock(...)`. A nested `tx()` is
  a SAVEPOINT: an error inside it rolls back only its own writes. `durable=False` commits
  without waiting for the disk (SQLite `synchronous=NORMAL`, PostgreSQL
  `synchronous_commit = off`) for transactions whose loss in a power cut costs nothing.
- `execute / query / one / scalar` run SQL text with NAMED parameters (`:name` and a dict;
  a list or tuple value expands for `IN :ids`) or a SQLAlchemy Core statement. Outside a
  transaction a SELECT runs in a short read transaction and anything else in its own `tx()`.
  `execute` returns the SQLAlchemy result (`rowcount`, `fetchall()`, `scalar()`).
- `store.lock(name)` serializes transactions on one name until commit (PostgreSQL: a
  transaction-level advisory lock; SQLite: nothing to do, writers are already serialized).

Only SQL that runs on both engines goes through here (see DESIGN.md, "Storage"); where the
engines truly differ, SQLAlchemy's dialect support decides, and this module is the one place
that asks which engine it is.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, CursorResult, Engine, make_url
from sqlalchemy.sql import Executable

BUSY_TIMEOUT_MS = 10_000

Params = Mapping[str, Any]
Statement = str | Executable

_READ = re.compile(r"^\s*(SELECT|WITH|PRAGMA|EXPLAIN)\b", re.I)


def database_url(target: str | Path) -> URL:
    """The SQLAlchemy URL for a DANGJIAN_DB value: a file path (SQLite) or a PostgreSQL URL."""
    text = str(target)
    if "://" not in text:
        return URL.create("sqlite+pysqlite", database=text)
    url = make_url(text)
    if url.get_backend_name() in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() == "sqlite":
        return url.set(drivername="sqlite+pysqlite")
    raise ValueError(
        f"DANGJIAN_DB 只支持文件路径或 postgresql:// 地址 (a file path or a postgresql:// URL): "
        f"{url.render_as_string(hide_password=True)}"
    )


def describe(target: str | Path) -> str:
    """The database for a person to read: the file path, or the URL without its password."""
    url = database_url(target)
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.set(drivername="postgresql").render_as_string(hide_password=True)


@lru_cache(maxsize=2048)
def _text(sql: str, expanding: frozenset[str] = frozenset()) -> sa.TextClause:
    clause = sa.text(sql)
    if expanding:
        clause = clause.bindparams(*(sa.bindparam(name, expanding=True) for name in expanding))
    return clause


def _plain(value: Any) -> Any:
    """The same Python types from both engines: PostgreSQL's NUMERIC (SUM, AVG) as int/float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, memoryview):
        return value.tobytes()
    return value


def lock_id(name: str) -> int:
    """A stable signed 64-bit number for a lock name (the same in every process and host)."""
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


class Store:
    """The process's single connection, shared by threads under a re-entrant lock."""

    def __init__(self, target: str | Path) -> None:
        self.url = database_url(target)
        self.dialect = "sqlite" if self.url.get_backend_name() == "sqlite" else "postgresql"
        self.path: str | None = None
        if self.is_sqlite:
            self.path = str(self.url.database or ":memory:")
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.target = str(target)
        self._lock = threading.RLock()
        self._depth = 0
        self._begin = "BEGIN"  # SQLite: what the next transaction starts with
        self.relaxed_commits = 0  # durable=False commits so far (tests and benchmarks read it)
        self.tx_durable: bool | None = None  # in a write transaction: whether it is durable
        self.engine = self._engine()
        self._conn: Connection | None = self.engine.connect()
        self._writer_fd = self._open_writer_lock()

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def describe(self) -> str:
        return describe(self.target)

    # -- connecting ---------------------------------------------------------------------
    def _engine(self) -> Engine:
        if not self.is_sqlite:
            return sa.create_engine(
                self.url,
                pool_size=1,
                max_overflow=0,
                connect_args={"connect_timeout": 10, "application_name": "dangjian"},
            )
        engine = sa.create_engine(
            self.url,
            paramstyle="named",  # sqlite3's own ':name' style, the one our SQL is written in
            poolclass=sa.pool.StaticPool if self.path == ":memory:" else sa.pool.QueuePool,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we say BEGIN ourselves (the "begin" event)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql(self._begin)

        return engine

    def _open_writer_lock(self) -> int | None:
        """A lock file beside the SQLite file that serializes writers across our processes.

        SQLite's own busy handler sleeps (1, 2, 5, 10 … ms) when two processes want the write
        lock; blocking on flock instead wakes the waiter the moment the holder commits, which
        keeps tail latency flat with several gunicorn workers. busy_timeout still covers any
        other program writing to the file.
        """
        if not self.is_sqlite or self.path == ":memory:":
            return None
        return os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o644)

    @property
    def conn(self) -> Connection:
        """The SQLAlchemy connection (reconnects after a lost PostgreSQL connection). Use it
        only inside `tx()` or `read()`."""
        conn = self._conn
        if conn is None or conn.closed:
            conn = self._conn = self.engine.connect()
        elif conn.invalidated and not conn.in_transaction():
            conn.close()
            conn = self._conn = self.engine.connect()
        return conn

    def _idle_conn(self) -> Connection:
        """The connection, with no transaction open (one that began by itself outside tx() or
        read(), e.g. by reflection, is ended first)."""
        conn = self.conn
        if conn.in_transaction():
            conn.rollback()
        return conn

    def reopen(self) -> None:
        """A fresh connection (after fork: a connection must not cross into a child process)."""
        with self._lock:
            self.engine.dispose(close=False)
            self._conn = self.engine.connect()
            self._depth = 0
            self._writer_fd = self._open_writer_lock()  # flock locks are per open file

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            self.engine.dispose()
            if self._writer_fd is not None:
                os.close(self._writer_fd)
                self._writer_fd = None

    # -- transactions -------------------------------------------------------------------
    @property
    def in_tx(self) -> bool:
        return self._depth > 0

    @contextmanager
    def tx(self, durable: bool = True) -> Iterator[Store]:
        """A write transaction; nested, a SAVEPOINT. See the module docstring."""
        with self._lock:
            if self._depth:
                savepoint = self.conn.begin_nested()
                self._depth += 1
                try:
                    yield self
                except BaseException:
                    if savepoint.is_active:
                        savepoint.rollback()
                    raise
                else:
                    savepoint.commit()
                finally:
                    self._depth -= 1
                return
            if self._writer_fd is not None:
                fcntl.flock(self._writer_fd, fcntl.LOCK_EX)
            try:
                conn = self._idle_conn()
                if self.is_sqlite and not durable:
                    self._pragma("synchronous=NORMAL")
                self._begin = "BEGIN IMMEDIATE"
                try:
                    trans = conn.begin()
                finally:
                    self._begin = "BEGIN"
                self._depth = 1
                self.tx_durable = durable
                try:
                    if not self.is_sqlite and not durable:
                        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                    yield self
                except BaseException:
                    self._depth = 0
                    if trans.is_active:
                        trans.rollback()
                    raise
                else:
                    self._depth = 0
                    trans.commit()
                    if not durable:
                        self.relaxed_commits += 1
            finally:
                self._depth = 0
                self.tx_durable = None
                if self.is_sqlite and not durable and self._conn is not None:
                    self._pragma("synchronous=FULL")
                if self._writer_fd is not None:
                    fcntl.flock(self._writer_fd, fcntl.LOCK_UN)

    @contextmanager
    def read(self) -> Iterator[Store]:
        """A read transaction: one consistent view for several queries, no writer lock.
        Inside a write transaction it is that transaction."""
        with self._lock:
            if self._depth:
                yield self
                return
            trans = self._idle_conn().begin()
            self._depth = 1
            try:
                yield self
            except BaseException:
                if trans.is_active:
                    trans.rollback()
                raise
            else:
                trans.commit()
            finally:
                self._depth = 0

    def _pragma(self, setting: str) -> None:
        """A SQLite PRAGMA outside any transaction (straight to the driver: going through
        SQLAlchemy would begin one)."""
        self.conn.connection.driver_connection.execute(f"PRAGMA {setting}")  # type: ignore[union-attr]

    def lock(self, name: str) -> None:
        """Serialize transactions on `name` until this transaction ends (PostgreSQL: a
        transaction-level advisory lock; SQLite: writers are already one at a time)."""
        if not self._depth:
            raise RuntimeError("store.lock() is only meaningful inside store.tx()")
        if not self.is_sqlite:
            self.conn.execute(_text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id(name)})

    # -- statements ---------------------------------------------------------------------
    def _run(self, sql: Statement, params: Params | None) -> CursorResult[Any]:
        if isinstance(sql, str):
            expanding = frozenset(
                k for k, v in (params or {}).items() if isinstance(v, list | tuple | set)
            )
            if expanding:
                params = {k: list(v) if k in expanding else v for k, v in (params or {}).items()}
            elif self.is_sqlite:
                # SQLite's driver reads ':name' itself: hand it the text as it is (half of
                # SQLAlchemy's per-statement cost, which counts inside the writer lock).
                return self.conn.exec_driver_sql(sql, dict(params or {}))
            return self.conn.execute(_text(sql, expanding), params or {})
        return self.conn.execute(sql, params or {})

    def execute(self, sql: Statement, params: Params | None = None) -> CursorResult[Any]:
        """Run one statement. Outside a transaction it gets its own write transaction."""
        _check(params)
        with self._lock:
            if self._depth:
                return self._run(sql, params)
            with self.tx():
                return self._run(sql, params)

    def executemany(self, sql: str, rows: Sequence[Params]) -> int:
        """One statement for many parameter dicts; returns the number of rows changed."""
        if not rows:
            return 0
        _check(rows[0])
        with self._lock:
            if self._depth:
                return self._many(sql, rows)
            with self.tx():
                return self._many(sql, rows)

    def _many(self, sql: str, rows: Sequence[Params]) -> int:
        if self.is_sqlite:
            return int(self.conn.exec_driver_sql(sql, [dict(r) for r in rows]).rowcount)
        return int(self.conn.execute(_text(sql), list(rows)).rowcount)

    def query(self, sql: Statement, params: Params | None = None) -> list[dict[str, Any]]:
        """Rows as dicts (column name -> value)."""
        return self._fetch(sql, params, self._rows)

    def one(self, sql: Statement, params: Params | None = None) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: Statement, params: Params | None = None) -> Any:
        """The first column of the first row, or None."""

        def first(result: CursorResult[Any]) -> Any:
            row = result.fetchone() if result.returns_rows else None
            return _plain(row[0]) if row is not None else None

        return self._fetch(sql, params, first)

    def _fetch(self, sql: Statement, params: Params | None, take: Any) -> Any:
        _check(params)
        with self._lock:
            if self._depth:
                return take(self._run(sql, params))
            if isinstance(sql, str) and not _READ.match(sql):
                with self.tx():
                    return take(self._run(sql, params))
            with self.read():
                return take(self._run(sql, params))

    @staticmethod
    def _rows(result: CursorResult[Any]) -> list[dict[str, Any]]:
        if not result.returns_rows:
            return []
        names = list(result.keys())
        return [
            {n: _plain(v) for n, v in zip(names, row, strict=True)} for row in result.fetchall()
        ]


def _check(params: Any) -> None:
    if params is not None and not isinstance(params, Mapping):
        raise TypeError("storage takes named parameters: a dict for ':name' placeholders")


def open_store(target: str | Path, migrate: bool = True) -> Store:
    """Open the database (file path or PostgreSQL URL) and bring its schema up to date."""
    store = Store(target)
    if migrate:
        from storage.migrate import migrate as run_migrations

        run_migrations(store)
    return store
