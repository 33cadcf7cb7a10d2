"""Callback (timestamp, nonce) pairs seen inside the timestamp window, so a captured callback
URL cannot be used again with another body (see SECURITY.md).

Every callback is checked here before it is handled, by one statement that records the pair
or finds it: 'new', 'same' (seen with the same message: a WeChat retry, which the inbound log
answers) or 'other' (seen with another message: refused). The check is exact across worker
processes and hosts, and it costs no transaction on the main database:

- **SQLite**: the pairs live in a small file of their own beside the database,
  `<db>.callbacks` (SQLite through the standard library's sqlite3, WAL, no waiting for the
  disk: pairs older than the window are worthless, so losing the last ones in a power cut
  costs nothing). Every process on the host shares it; a flock on `<db>.callbacks.lock`
  makes them take turns, so the main database's writer lock is never needed to answer a
  read-only message. Nothing to back up, migrate or copy: it is rebuilt when missing.
- **PostgreSQL**: the `callback_nonces` table (migration 0010) in the database, one
  autocommit statement that does not wait for the disk, shared by every host.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from storage.db import Store, wal_mode

_SIDE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS callback_nonces (ts INTEGER NOT NULL, nonce TEXT NOT NULL,"
    " channel TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (ts, nonce, channel))"
    " WITHOUT ROWID"
)
_INSERT = (
    "INSERT INTO callback_nonces (ts, nonce, channel, digest)"
    " VALUES (:ts, :nonce, :channel, :digest)"
    " ON CONFLICT (ts, nonce, channel) DO NOTHING RETURNING digest"
)
_LOOKUP = (
    "SELECT digest FROM callback_nonces WHERE ts = :ts AND nonce = :nonce AND channel = :channel"
)


@dataclass(frozen=True)
class CallbackPair:
    """A callback's (timestamp, nonce) on a channel, with the digest of its message."""

    channel: str
    ts: int
    nonce: str
    digest: str

    def params(self) -> dict[str, object]:
        return {"ts": self.ts, "nonce": self.nonce, "channel": self.channel, "digest": self.digest}


class ReplayMemory:
    """The pairs of one database (see the module docstring). One per Store: `memory(store)`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.side: str | None = None  # the SQLite side file (":memory:" for an in-memory db)
        if store.is_sqlite:
            path = store.path or ":memory:"
            self.side = ":memory:" if path == ":memory:" else f"{path}.callbacks"
        self._pid = -1
        self._conn: sqlite3.Connection | None = None
        self._lock_fd: int | None = None
        self._thread_lock = threading.Lock()

    def check(self, pair: CallbackPair) -> str:
        """Record the pair, or find it: 'new', 'same' or 'other'."""
        if self.side is None:
            with self.store.tx(durable=False):
                return self._verdict(self.store.scalar(_INSERT, pair.params()), pair)
        with self._thread_lock:  # (`_side`, written out: this runs for every callback)
            conn = self._open()
            fd = self._lock_fd
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                params = pair.params()
                rows = conn.execute(_INSERT, params).fetchall()  # (all: ends the statement)
                if rows and rows[0][0]:
                    return "new"
                rows = conn.execute(_LOOKUP, params).fetchall()
                return "same" if rows and rows[0][0] == pair.digest else "other"
            finally:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)

    def _verdict(self, inserted: object, pair: CallbackPair) -> str:
        if inserted:
            return "new"
        seen = self.store.scalar(_LOOKUP, pair.params())
        return "same" if seen == pair.digest else "other"

    def prune(self, oldest: int) -> int:
        """Forget pairs with a timestamp before `oldest`: they can no longer pass the
        timestamp check."""
        sql = "DELETE FROM callback_nonces WHERE ts < :oldest"
        if self.side is None:
            with self.store.tx(durable=False):
                return int(self.store.execute(sql, {"oldest": oldest}).rowcount)
        with self._side() as conn:
            return int(conn.execute(sql, {"oldest": oldest}).rowcount)

    def count(self) -> int:
        if self.side is None:
            return int(self.store.scalar("SELECT COUNT(*) FROM callback_nonces"))
        with self._side() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM callback_nonces").fetchall()[0][0])

    def close(self) -> None:
        with self._thread_lock:
            self._close()

    # -- the SQLite side file -------------------------------------------------------------
    @contextmanager
    def _side(self) -> Iterator[sqlite3.Connection]:
        """The side connection, for a statement or two, this thread and process in turn."""
        with self._thread_lock:
            conn = self._open()
            if self._lock_fd is None:  # (an in-memory database: this process only)
                yield conn
                return
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                yield conn
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _open(self) -> sqlite3.Connection:
        """The side connection of this process (a new one after fork)."""
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        self._conn = None  # (a parent's connection is left alone, not closed, after fork)
        assert self.side is not None
        conn = sqlite3.connect(self.side, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=10000")
        if self.side != ":memory:":
            wal_mode(conn)  # (retried while another process creates the file)
            self._lock_fd = os.open(f"{self.side}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute(_SIDE_SCHEMA)
        self._conn, self._pid = conn, os.getpid()
        return conn

    def _close(self) -> None:
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
        self._conn = None
        self._lock_fd = None


_MEMORIES: weakref.WeakKeyDictionary[Store, ReplayMemory] = weakref.WeakKeyDictionary()
_MEMORIES_LOCK = threading.Lock()


def memory(store: Store) -> ReplayMemory:
    """The replay memory of this store (one per Store object)."""
    with _MEMORIES_LOCK:
        found = _MEMORIES.get(store)
        if found is None:
            found = _MEMORIES[store] = ReplayMemory(store)
            store.closers.append(found.close)
        return found


def check(store: Store, pair: CallbackPair) -> str:
    """'new', 'same' or 'other' for a callback's pair (see ReplayMemory)."""
    return memory(store).check(pair)


def prune(store: Store, oldest: int) -> int:
    return memory(store).prune(oldest)


def count(store: Store) -> int:
    return memory(store).count()
