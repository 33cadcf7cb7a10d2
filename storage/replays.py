"""Callback (timestamp, nonce) pairs seen inside the timestamp window, so a captured callback
URL cannot be used again with another body (see SECURITY.md).

Every callback is checked here before it is handled, by one write that records the pair or
finds it: 'new', 'same' (seen with the same message: a WeChat retry, which the inbound log
answers) or 'other' (seen with another message: refused). The check is exact across worker
processes and hosts, and it costs no transaction on the main database:

- **SQLite**: the pairs live in a small LMDB file of their own beside the database,
  `<db>.callbacks.lmdb` (with its lock file `<db>.callbacks.lmdb-lock`), through the `lmdb`
  package. LMDB is a memory-mapped key-value store built for several processes on one host:
  every process maps the same file, and a write transaction takes LMDB's own process-shared
  mutex, so the check is one small write with no file locks, no page reads and no log to
  checkpoint (a side SQLite file cost a dozen system calls per callback). It does not wait
  for the disk: pairs older than the window are worthless, so losing the last ones in a power
  cut costs nothing. Nothing to back up, migrate or copy: it is rebuilt when missing. Keys are
  the timestamp (8 bytes, big-endian) then channel and nonce, so pruning deletes from the
  front. (Earlier versions kept the pairs in `<db>.callbacks`, an SQLite file: it is no
  longer read and may be deleted.)
- **PostgreSQL**: the `callback_nonces` table (migration 0010) in the database, one
  autocommit statement that does not wait for the disk, shared by every host.
- An in-memory SQLite database (tests): a dictionary of this process.
"""

from __future__ import annotations

import os
import struct
import threading
import weakref
from dataclasses import dataclass
from typing import Any

import lmdb

from storage.db import Store

# The most the pairs file may grow to (LMDB maps it whole; only what is used takes disk). At
# 1,000 callbacks a second a 5-minute window holds about 300,000 pairs: some 40 MB.
MAP_SIZE = 1 << 30

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

    def key(self) -> bytes:
        """The pair's LMDB key: the timestamp first (pruning deletes from the front)."""
        return _TS.pack(max(self.ts, 0)) + f"{self.channel}\0{self.nonce}".encode()


_TS = struct.Struct(">Q")


class ReplayMemory:
    """The pairs of one database (see the module docstring). One per Store: `memory(store)`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.side: str | None = None  # the LMDB file (":memory:" for an in-memory database)
        if store.is_sqlite:
            path = store.path or ":memory:"
            self.side = ":memory:" if path == ":memory:" else f"{path}.callbacks.lmdb"
        self._local: dict[bytes, bytes] = {}  # (":memory:")
        self._thread_lock = threading.Lock()

    def check(self, pair: CallbackPair) -> str:
        """Record the pair, or find it: 'new', 'same' or 'other'."""
        if self.side is None:
            with self.store.tx(durable=False):
                inserted = self.store.scalar(_INSERT, pair.params())
                if inserted:
                    return "new"
                seen = self.store.scalar(_LOOKUP, pair.params())
                return "same" if seen == pair.digest else "other"
        key, digest = pair.key(), pair.digest.encode()
        with self._thread_lock:
            if self.side == ":memory:":
                seen = self._local.setdefault(key, digest)
                return "new" if seen is digest else ("same" if seen == digest else "other")
            with _env(self.side).begin(write=True) as txn:
                if txn.put(key, digest, overwrite=False):
                    return "new"
                return "same" if txn.get(key) == digest else "other"

    def prune(self, oldest: int) -> int:
        """Forget pairs with a timestamp before `oldest`: they can no longer pass the
        timestamp check."""
        if self.side is None:
            sql = "DELETE FROM callback_nonces WHERE ts < :oldest"
            with self.store.tx(durable=False):
                return int(self.store.execute(sql, {"oldest": oldest}).rowcount)
        bound = _TS.pack(max(oldest, 0))
        with self._thread_lock:
            if self.side == ":memory:":
                old = [k for k in self._local if k[:8] < bound]
                for k in old:
                    del self._local[k]
                return len(old)
            removed = 0
            with _env(self.side).begin(write=True) as txn:
                cursor = txn.cursor()
                if cursor.first():
                    while cursor.key()[:8] < bound and cursor.delete():
                        removed += 1
            return removed

    def count(self) -> int:
        if self.side is None:
            return int(self.store.scalar("SELECT COUNT(*) FROM callback_nonces"))
        with self._thread_lock:
            if self.side == ":memory:":
                return len(self._local)
            return int(_env(self.side).stat()["entries"])


# One LMDB environment per file and process: LMDB forbids opening a file twice in a process
# (closing one would drop the other's file locks), so Stores on one database share it and it
# stays open. A forked child must not use its parent's: it closes the inherited one (that
# touches only the child's own mappings, descriptors and reader slots, of which it has none:
# only write transactions are used here, and no spare read transactions are kept) and opens
# its own.
_ENVS: dict[str, tuple[int, Any]] = {}
_ENVS_LOCK = threading.Lock()


def _env(path: str) -> Any:
    pid = os.getpid()
    found = _ENVS.get(path)
    if found is not None and found[0] == pid:
        return found[1]
    with _ENVS_LOCK:
        found = _ENVS.get(path)
        if found is not None and found[0] == pid:
            return found[1]
        if found is not None:
            try:
                found[1].close()
            except lmdb.Error:  # (already unusable: nothing to release)
                pass
        env = lmdb.open(
            path,
            map_size=MAP_SIZE,
            subdir=False,
            sync=False,  # (see the module docstring: nothing here needs the disk)
            metasync=False,
            readahead=False,
            max_dbs=0,
            max_spare_txns=0,
            mode=0o644,
        )
        _ENVS[path] = (pid, env)
        return env


_MEMORIES: weakref.WeakKeyDictionary[Store, ReplayMemory] = weakref.WeakKeyDictionary()
_MEMORIES_LOCK = threading.Lock()


def memory(store: Store) -> ReplayMemory:
    """The replay memory of this store (one per Store object)."""
    with _MEMORIES_LOCK:
        found = _MEMORIES.get(store)
        if found is None:
            found = _MEMORIES[store] = ReplayMemory(store)  # (nothing to close: see `_env`)
        return found


def check(store: Store, pair: CallbackPair) -> str:
    """'new', 'same' or 'other' for a callback's pair (see ReplayMemory)."""
    return memory(store).check(pair)


def prune(store: Store, oldest: int) -> int:
    return memory(store).prune(oldest)


def count(store: Store) -> int:
    return memory(store).count()
