"""One SQLite connection per process, WAL, FULL sync, and explicit write transactions.

Writes go through `Store.tx()`, which issues `BEGIN IMMEDIATE` so a read-then-write never
fails with SQLITE_BUSY half way. Inside a transaction use only `execute` / `query` / `one`:
sqlite-utils' table helpers (`db[t].insert(...)`) wrap themselves in `with conn:`, which would
commit the outer transaction early.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

BUSY_TIMEOUT_MS = 10_000

Params = Sequence[Any] | dict[str, Any]


class Store:
    """The process's single connection, shared by threads under a re-entrant lock."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = self._connect()
        self.db = sqlite_utils.Database(self.conn)
        self._lock = threading.RLock()
        self._depth = 0
        self._writer_fd = self._open_writer_lock()

    def _open_writer_lock(self) -> int | None:
        """A lock file beside the database that serializes writers across our processes.

        SQLite's own busy handler sleeps (1, 2, 5, 10 … ms) when two processes want the write
        lock; blocking on flock instead wakes the waiter the moment the holder commits, which
        keeps tail latency flat with several gunicorn workers. busy_timeout still covers any
        other program writing to the file.
        """
        if self.path == ":memory:":
            return None
        return os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o644)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
            isolation_level=None,  # we issue BEGIN IMMEDIATE / COMMIT ourselves
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return conn

    def reopen(self) -> None:
        """A fresh connection (after fork: a connection must not cross into a child process)."""
        with self._lock:
            self.conn = self._connect()
            self.db = sqlite_utils.Database(self.conn)
            self._depth = 0
            self._writer_fd = self._open_writer_lock()  # flock locks are per open file

    # -- transactions -------------------------------------------------------------------
    @contextmanager
    def tx(self, durable: bool = True) -> Iterator[Store]:
        """A write transaction (BEGIN IMMEDIATE). A nested call is a SAVEPOINT: an error inside
        it rolls back only its own writes.

        durable=False commits without waiting for the disk (synchronous=NORMAL for this one
        commit), for transactions whose loss in a power cut costs nothing, such as the log row
        of a 帮助 request. The next durable commit syncs the whole WAL, earlier frames included.
        """
        with self._lock:
            depth = self._depth
            if depth:
                name = f"sp{depth}"
                self.conn.execute(f"SAVEPOINT {name}")
                self._depth += 1
                try:
                    yield self
                except BaseException:
                    self.conn.execute(f"ROLLBACK TO {name}")
                    self.conn.execute(f"RELEASE {name}")
                    raise
                else:
                    self.conn.execute(f"RELEASE {name}")
                finally:
                    self._depth = depth
                return
            if self._writer_fd is not None:
                fcntl.flock(self._writer_fd, fcntl.LOCK_EX)
            if not durable:
                self.conn.execute("PRAGMA synchronous=NORMAL")
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                self._depth = 1
                try:
                    yield self
                except BaseException:
                    self._depth = 0
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise
                else:
                    self._depth = 0
                    self.conn.execute("COMMIT")
            finally:
                if not durable:
                    self.conn.execute("PRAGMA synchronous=FULL")
                if self._writer_fd is not None:
                    fcntl.flock(self._writer_fd, fcntl.LOCK_UN)

    # -- statements ---------------------------------------------------------------------
    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        with self._lock:
            return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Params]) -> sqlite3.Cursor:
        with self._lock:
            return self.conn.executemany(sql, rows)

    def query(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """Rows as dicts (column name -> value)."""
        with self._lock:
            cursor = self.conn.execute(sql, params)
            names = [d[0] for d in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Params = ()) -> Any:
        with self._lock:
            row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        with self._lock:
            self.conn.close()
            if self._writer_fd is not None:
                os.close(self._writer_fd)
                self._writer_fd = None


def open_store(path: str | Path, migrate: bool = True) -> Store:
    """Open the database file and bring its schema up to date."""
    store = Store(path)
    if migrate:
        from storage.migrate import migrate as run_migrations

        run_migrations(store)
    return store
