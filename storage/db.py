"""One database connection per process, through SQLAlchemy Core, on SQLite or PostgreSQL.

`DANGJIAN_DB` is a file path (SQLite, the default) or a `postgresql://` URL (psycopg 3). The
rest of the code sees one API whatever the engine:

- `with store.tx(durable=True):` a write transaction. On SQLite: an exclusive flock on
  `<db>.lock` (writers queue on it instead of sleeping in SQLite's busy handler), then
  `BEGIN IMMEDIATE`, so a read-then-write never fails half way. On PostgreSQL: a plain
  transaction (READ COMMITTED); what needs more takes row locks (`SELECT … FOR UPDATE` through
  SQLAlchemy's `with_for_update`), a unique constraint, or `store.lock(...)`. A nested `tx()` is
  a SAVEPOINT: an error inside it rolls back only its own writes. A durable transaction
  returns once its commit is on disk (SQLite: the write-ahead log is fsynced after the writer
  lock is released, see `_sync_wal`; PostgreSQL: its own WAL flush). `durable=False` commits
  without waiting for the disk (SQLite: no fsync; PostgreSQL `synchronous_commit = off`) for
  transactions whose loss in a power cut costs nothing; `store.relax()` turns the open
  transaction into one (work that turns out to need no durability).
- `execute / query / one / scalar` run SQL text with NAMED parameters (`:name` and a dict;
  a list or tuple value expands for `IN :ids`) or a SQLAlchemy Core statement. Outside a
  transaction a SELECT runs in a short read transaction and anything else in its own `tx()`.
  `execute` returns the SQLAlchemy result (`rowcount`, `fetchall()`, `scalar()`).
- `store.lock(name)` serializes transactions on one name until commit (PostgreSQL: a
  transaction-level advisory lock; SQLite: nothing to do, writers are already serialized).
- `with store.read():` a read transaction (one consistent view, no writer lock). It only
  reads: a write statement or a `tx()` inside it raises `ReadOnly`, so code that tried an
  answer from a read transaction learns that it must run in a write one instead.

Only SQL that runs on both engines goes through here (see DESIGN.md, "Storage"); where the
engines truly differ, SQLAlchemy's dialect support decides, and this module is the one place
that asks which engine it is.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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

_NONE: frozenset[str] = frozenset()
_READ = re.compile(r"^\s*(SELECT|WITH|PRAGMA|EXPLAIN)\b", re.I)


class ReadOnly(RuntimeError):
    """A write was attempted inside `store.read()`."""


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


@lru_cache(maxsize=512)
def _expanded(sql: str, sizes: tuple[tuple[str, int], ...]) -> str:
    """`IN :name` as `IN (:name_0, …, :name_{n-1})` for each (name, n) in `sizes`."""
    for name, n in sizes:
        marks = ", ".join(f":{name}_{i}" for i in range(n))
        sql = re.sub(rf":{name}(?![A-Za-z0-9_])", f"({marks})", sql)
    return sql


def wal_mode(cur: Any) -> None:
    """Put the database in WAL mode. Switching a new file can fail at once with "database is
    locked" while another process creates it (SQLite does not wait on its busy handler for
    this): try again for up to BUSY_TIMEOUT_MS."""
    if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


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
        self._reading = False  # the open transaction is a read()
        self.refused_write = False  # the last read() refused a write (even if it was caught)
        self._begin = "BEGIN"  # SQLite: what the next transaction starts with
        self.relaxed_commits = 0  # durable=False commits so far (tests and benchmarks read it)
        self.synced_commits = 0  # durable SQLite commits synced to disk so far
        self.tx_durable: bool | None = None  # in a write transaction: whether it is durable
        self.closers: list[Callable[[], None]] = []  # run by close() (companions of the store)
        # SQLite, inside a transaction: the sqlite3 connection statements go to (looked up once)
        self._driver: Any = None
        # SQLite: the write-ahead log that durable transactions sync (see _sync_wal)
        self._wal = f"{self.path}-wal" if self.path not in (None, ":memory:") else None
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
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            wal_mode(cur)
            # Commits don't wait for the disk; durable transactions fsync the log themselves
            # after releasing the writer lock (see Store._sync_wal).
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            driver = conn.connection.driver_connection
            if not driver.in_transaction:  # type: ignore[union-attr]  # (a read() began it)
                driver.execute(self._begin)  # type: ignore[union-attr]

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
            self._reading = False
            self._writer_fd = self._open_writer_lock()  # flock locks are per open file

    def close(self) -> None:
        with self._lock:
            for closer in self.closers:
                closer()
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

    @property
    def reading(self) -> bool:
        """Inside `read()` (writes are refused)."""
        return self._reading

    @contextmanager
    def tx(self, durable: bool = True) -> Iterator[Store]:
        """A write transaction; nested, a SAVEPOINT. See the module docstring."""
        synced = False
        self._lock.acquire()
        try:
            if self._reading:
                self._refuse()
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
                self._begin = "BEGIN IMMEDIATE"
                try:
                    trans = conn.begin()
                finally:
                    self._begin = "BEGIN"
                self._depth = 1
                self.tx_durable = durable
                self._driver = self._dbapi() if self.is_sqlite else None
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
                    if self.tx_durable:
                        synced = self._wal is not None
                    else:
                        self.relaxed_commits += 1
            finally:
                self._depth = 0
                self.tx_durable = None
                self._driver = None
                if self._writer_fd is not None:
                    fcntl.flock(self._writer_fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()
        if synced:
            self._sync_wal()

    @contextmanager
    def atomic(self) -> Iterator[Store]:
        """All or nothing: a write transaction (`tx()`) when none is open, else simply part of
        the open one, without a SAVEPOINT. For steps that never catch their own errors (an
        error ends the whole transaction anyway), where a savepoint would only cost two more
        statements while the writer lock is held."""
        if self._depth and not self._reading:
            with self._lock:
                yield self
            return
        with self.tx() as store:
            yield store

    def relax(self) -> None:
        """Let the open write transaction commit without waiting for the disk, as if it had
        begun with `durable=False` (for work that turns out to need no durability)."""
        if not self._depth or self._reading:
            raise RuntimeError("store.relax() is only meaningful inside store.tx()")
        if self.tx_durable:
            self.tx_durable = False
            if not self.is_sqlite:
                self.conn.exec_driver_sql("SET LOCAL synchronous_commit = off")

    def _sync_wal(self) -> None:
        """Make the commits so far durable: fsync the write-ahead log (SQLite).

        The connection commits with `synchronous=NORMAL` (atomic and consistent after a crash,
        but the last commits may be lost in a power cut); a durable transaction then syncs the
        WAL file here, after releasing the writer lock and the connection, and only then
        returns. So the writer lock is held for the statements only, not for the disk's 2-3 ms,
        and the fsyncs of several processes overlap (one fsync covers every commit before it:
        a group commit). What a member was told is on disk before the reply leaves.
        """
        assert self._wal is not None
        try:
            fd = os.open(self._wal, os.O_RDONLY)
        except FileNotFoundError:  # no log (checkpointed and removed): the file itself
            fd = os.open(str(self.path), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        self.synced_commits += 1

    @contextmanager
    def read(self) -> Iterator[Store]:
        """A read transaction: one consistent view for several queries, no writer lock.
        Inside a write transaction it is that transaction."""
        with self._lock:
            if self._depth:
                yield self
                return
            conn = self._idle_conn()
            # SQLite: BEGIN and COMMIT said to sqlite3 itself (SQLAlchemy's transaction object
            # costs more than the queries of a short read); PostgreSQL: SQLAlchemy's.
            trans = None if self.is_sqlite else conn.begin()
            if trans is None:
                self._driver = self._dbapi()
                self._driver.execute("BEGIN")
            self._depth = 1
            self._reading = True
            self.refused_write = False
            try:
                yield self
            except BaseException:
                if trans is None:
                    self._end_raw(conn, commit=False)
                elif trans.is_active:
                    trans.rollback()
                raise
            else:
                if trans is None:
                    self._end_raw(conn, commit=True)
                else:
                    trans.commit()
            finally:
                self._depth = 0
                self._reading = False
                self._driver = None

    def _end_raw(self, conn: Connection, commit: bool) -> None:
        """End a read transaction begun on sqlite3 itself. If a statement through SQLAlchemy
        ran inside it, SQLAlchemy thinks it began the transaction (see the `begin` hook): its
        commit or rollback ends ours."""
        if conn.in_transaction():
            if commit:
                conn.commit()
            else:
                conn.rollback()
            return
        driver = self._dbapi()
        if driver.in_transaction:
            driver.execute("COMMIT" if commit else "ROLLBACK")

    def _refuse(self) -> None:
        self.refused_write = True
        raise ReadOnly("a write inside store.read()")

    def lock(self, name: str) -> None:
        """Serialize transactions on `name` until this transaction ends (PostgreSQL: a
        transaction-level advisory lock; SQLite: writers are already one at a time)."""
        if not self._depth:
            raise RuntimeError("store.lock() is only meaningful inside store.tx()")
        if not self.is_sqlite:
            self.conn.execute(_text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id(name)})

    # -- statements ---------------------------------------------------------------------
    def _run(self, sql: Statement, params: Params | None) -> CursorResult[Any]:
        if self._reading and not _is_read(sql):
            self._refuse()
        if isinstance(sql, str):
            expanding = (
                frozenset(k for k, v in params.items() if isinstance(v, list | tuple | set))
                if params
                else _NONE
            )
            if expanding and self.is_sqlite and all(params[k] for k in expanding):  # type: ignore[index]
                # `IN :ids` written out as `IN (:ids_0, :ids_1, …)` for sqlite3 itself (the
                # same as SQLAlchemy's expansion, without its execution context, see below)
                values = dict(params or {})
                sizes = tuple(sorted((k, len(values.pop(k))) for k in expanding))
                for k in expanding:
                    values.update(
                        (f"{k}_{i}", v)
                        for i, v in enumerate(params[k])  # type: ignore[index]
                    )
                driver = self._driver or self._dbapi()
                return _RawResult(driver.execute(_expanded(sql, sizes), values))  # type: ignore[return-value]
            if expanding:
                params = {k: list(v) if k in expanding else v for k, v in (params or {}).items()}
            elif self.is_sqlite:
                # SQLite's driver reads ':name' itself: hand the text as it is to the DBAPI
                # cursor of SQLAlchemy's connection, inside the transaction SQLAlchemy began.
                # SQLAlchemy's execution context costs 20-40 µs a statement, sqlite3 2-5 µs,
                # and on SQLite it is paid inside the writer lock.
                driver = self._driver or self._dbapi()
                return _RawResult(driver.execute(sql, dict(params or {})))  # type: ignore[return-value]
            return self.conn.execute(_text(sql, expanding), params or {})
        return self.conn.execute(sql, params or {})

    def _dbapi(self) -> Any:
        """The DBAPI connection (sqlite3 or psycopg) under SQLAlchemy's connection."""
        return self.conn.connection.driver_connection

    def execute(self, sql: Statement, params: Params | None = None) -> CursorResult[Any]:
        """Run one statement. Outside a transaction it gets its own write transaction."""
        _check(params)
        with self._lock:
            if self._depth:
                return self._run(sql, params)
        with self.tx():  # (outside the lock: a durable commit syncs after releasing it)
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
        if self._reading:
            self._refuse()
        if self.is_sqlite:
            return int(self._dbapi().executemany(sql, [dict(r) for r in rows]).rowcount)
        return int(self.conn.execute(_text(sql), list(rows)).rowcount)

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Load many rows fast, in the current transaction (or one of its own): PostgreSQL's
        COPY, SQLite's executemany. For data sets (benchmarks, imports); `table` and `columns`
        are names from the code, the values already of the columns' types. Returns the count."""
        with self._lock:
            if not self._depth:
                with self.tx():
                    return self.bulk_insert(table, columns, rows)
            if self._reading:
                self._refuse()
            names = ", ".join(columns)
            count = 0
            if self.is_sqlite:
                marks = ", ".join("?" for _ in columns)
                cur = self._dbapi().cursor()
                batch: list[Sequence[Any]] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) >= 10_000:
                        cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
                        count += len(batch)
                        batch = []
                if batch:
                    cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
                    count += len(batch)
                return count
            with self._dbapi().cursor() as cur:
                with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            return count

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
            if _is_read(sql):
                with self.read():
                    return take(self._run(sql, params))
        with self.tx():
            return take(self._run(sql, params))

    @staticmethod
    def _rows(result: CursorResult[Any]) -> list[dict[str, Any]]:
        if not result.returns_rows:
            return []
        names = list(result.keys())
        if isinstance(result, _RawResult):  # sqlite3 values are plain Python already
            return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        return [
            {n: _plain(v) for n, v in zip(names, row, strict=True)} for row in result.fetchall()
        ]


class _RawResult:
    """What callers use of a CursorResult (rowcount, rows), over a sqlite3 cursor."""

    __slots__ = ("cursor",)

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    @property
    def rowcount(self) -> int:
        return int(self.cursor.rowcount)

    @property
    def returns_rows(self) -> bool:
        return self.cursor.description is not None

    def keys(self) -> list[str]:
        return [d[0] for d in self.cursor.description or ()]

    def fetchall(self) -> list[Any]:
        return list(self.cursor.fetchall())

    def fetchone(self) -> Any:
        return self.cursor.fetchone()

    def scalar(self) -> Any:
        row = self.cursor.fetchone() if self.returns_rows else None
        return row[0] if row is not None else None


# SQL text -> whether it only reads (the statements are the program's own texts: few; the
# memory starts over if some caller builds texts without end).
_READS: dict[str, bool] = {}
_READS_MAX = 4096


def _is_read(sql: Statement) -> bool:
    if isinstance(sql, str):
        found = _READS.get(sql)
        if found is None:
            if len(_READS) >= _READS_MAX:
                _READS.clear()
            found = _READS[sql] = bool(_READ.match(sql))
        return found
    return not (getattr(sql, "is_dml", False) or getattr(sql, "is_ddl", False))


def _check(params: Any) -> None:
    if params is not None and type(params) is not dict and not isinstance(params, Mapping):
        raise TypeError("storage takes named parameters: a dict for ':name' placeholders")


def open_store(target: str | Path, migrate: bool = True) -> Store:
    """Open the database (file path or PostgreSQL URL) and bring its schema up to date."""
    store = Store(target)
    if migrate:
        from storage.migrate import migrate as run_migrations

        run_migrations(store)
    return store
