"""Writes that may wait: what a read-only message leaves behind, written in batches.

A read-only message (帮助, 我的积分, a second 打卡 of the day, a policy question …) is
answered from a read transaction. What it leaves is its inbound-log row (the response bytes a
WeChat retry gets back), now and then the account's last message time (the 48 h window) and,
for a policy answer, its question row and the session (`Entry.questions`, `Entry.session`:
statistics and dialog state, written only with the log row, so a retry answered twice leaves
one); its callback's (timestamp, nonce) was recorded before it was handled
(storage/replays.py). The process that queued a session shows it to the account's next
message (`session`) and writes it before that account's next write transaction (`settle`).
Writing those rows in a transaction of their own per message takes the writer lock once per
message. This queue keeps them in memory and writes them every `interval` seconds
(DANGJIAN_LOG_BATCH_MS, default 200 ms), or as soon as MAX_ROWS wait, a statement per table in
one transaction that need not wait for the disk, from a thread of its own in each process.

Until its batch is committed an entry stays visible to the process that queued it: a retry of
the message gets the same response bytes back (`logged`). A retry that reaches another
process before the batch is written is answered again: the message changes nothing, so that
costs a moment of work, and the first log row stays. A process that is killed loses at most
one interval of log rows (the messages were answered; their retries are answered again); one
that exits normally writes them first (`close`, at exit).

With interval 0 nothing waits: `add` writes the entry at once, in the caller's thread (tests
use this).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from storage import inbound as inbound_log
from storage import knowledge, members, sessions
from storage.db import Store

log = logging.getLogger(__name__)

MAX_ROWS = 256  # a batch is written as soon as this many entries wait
BACKOFF_MAX = 5.0  # seconds between tries while writes fail
KEEP_AFTER_FAILURE = 10_000  # entries kept for the next try after a failed write, at most


@dataclass(frozen=True)
class Entry:
    """What one read-only message leaves behind."""

    log: dict[str, Any]  # the inbound_log row (storage/inbound.py `record` arguments)
    touch: tuple[str, str, str] | None = None  # (channel, openid, stamp): the 48 h window
    # A policy answer's session (channel, openid, state, stamp) and its question rows
    # (storage/knowledge.py `record_question` arguments): statistics and dialog state only.
    session: tuple[str, str, dict[str, Any], str] | None = None
    questions: tuple[dict[str, Any], ...] = ()

    @property
    def key(self) -> str:
        return str(self.log["key"])


class DeferredWrites:
    """A per-process queue of Entries written in batches (see the module docstring)."""

    def __init__(self, store: Store, interval: float) -> None:
        self.store = store
        self.interval = max(0.0, interval)
        self.batches = 0  # batches written so far (tests and benchmarks read it)
        self.failures = 0  # failed writes in a row
        self._setup()

    def _setup(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pending: dict[str, Entry] = {}
        self._writing: dict[str, Entry] = {}  # the batch being written: still visible
        self._sessions: dict[tuple[str, str], Entry] = {}  # the latest unwritten session
        self._thread: threading.Thread | None = None
        self._stopped = False

    @property
    def immediate(self) -> bool:
        return self.interval <= 0

    def logged(self, key: str) -> dict[str, Any] | None:
        """The queued log row of message `key` (as storage/inbound.py `get` returns it)."""
        self._forked()
        with self._lock:
            entry = self._pending.get(key) or self._writing.get(key)
        return dict(entry.log) if entry is not None else None

    def session(self, channel: str, openid: str) -> dict[str, Any] | None:
        """The session an unwritten entry of this process leaves for the account, if any
        (the next message of the account sees it before its batch is written)."""
        if not self._sessions:
            return None
        self._forked()
        with self._lock:
            entry = self._sessions.get((channel, openid))
        return dict(entry.session[2]) if entry is not None and entry.session else None

    def waiting(self) -> int:
        """Entries not written yet."""
        self._forked()
        with self._lock:
            return len(self._pending) + len(self._writing)

    def add(self, entry: Entry) -> dict[str, Any] | None:
        """Queue an entry. With interval 0 it is written now, and the row another process
        logged meanwhile under the same key (a retry answered there) is returned: it wins."""
        self._forked()
        if self.immediate:
            with self.store.tx(durable=False):
                if not self._write([entry]):
                    return inbound_log.get(self.store, entry.key)
            return None
        with self._lock:
            if entry.key in self._pending or entry.key in self._writing:
                return None  # a retry answered meanwhile: the first row stays
            self._pending[entry.key] = entry
            if entry.session is not None:
                self._sessions[entry.session[0], entry.session[1]] = entry
            full = len(self._pending) >= MAX_ROWS
            if self._thread is None and not self._stopped:
                self._start()
        if full:
            self._wake.set()
        return None

    def flush(self) -> int:
        """Write what waits now, in the caller's thread; returns the number of entries."""
        self._forked()
        with self._lock:
            if not self._pending or self._writing:
                return 0
            self._writing, self._pending = self._pending, {}
            batch = list(self._writing.values())
        try:
            with self.store.tx(durable=False):
                self._write(batch)
        except Exception:
            self.failures += 1
            if self.failures & (self.failures - 1) == 0:  # the 1st, 2nd, 4th, 8th … in a row
                log.exception(
                    "writing %d deferred log rows failed (%d times in a row); trying again",
                    len(batch),
                    self.failures,
                )
            with self._lock:
                if len(self._pending) + len(self._writing) <= KEEP_AFTER_FAILURE:
                    self._pending = {**self._writing, **self._pending}
                else:  # (answered messages: their retries are answered again)
                    log.warning("dropped %d deferred log rows", len(self._writing))
                    for entry in self._writing.values():
                        self._forget_session(entry)
                self._writing = {}
            return 0
        with self._lock:
            self._writing = {}
            for entry in batch:
                self._forget_session(entry)
            self.batches += 1
            self.failures = 0
        return len(batch)

    def _forget_session(self, entry: Entry) -> None:
        """(under the lock) The entry's session is written or dropped: no longer shown,
        unless a later entry of the account left a newer one."""
        if entry.session is not None:
            account = (entry.session[0], entry.session[1])
            if self._sessions.get(account) is entry:
                del self._sessions[account]

    def settle(self, channel: str, openid: str) -> None:
        """Write the account's unwritten session now (before a write transaction saves a
        newer one, which the batch would otherwise overwrite); gives up after 5 seconds."""
        deadline = time.monotonic() + 5
        while self.session(channel, openid) is not None and time.monotonic() < deadline:
            if not self.flush():  # (the thread is writing a batch: wait for it)
                time.sleep(0.002)

    def _write(self, entries: list[Entry]) -> list[Entry]:
        """Entries, in the open transaction, a statement per table; returns those written.
        An entry whose key was logged already is left out whole (its row stays, and the 48 h
        time, the session and the question are left to that message)."""
        store = self.store
        if len(entries) == 1:  # (immediate mode: exactly whether this row went in)
            fresh = entries if inbound_log.record(store, **entries[0].log, if_new=True) else []
        else:  # (on PostgreSQL a row logged between the two statements is skipped by the
            # insert, and the rest of its entry is written anyway: the same session, and the
            # question's msg_key keeps it to one row)
            logged = inbound_log.logged_keys(store, [e.key for e in entries])
            fresh = [e for e in entries if e.key not in logged]
            inbound_log.record_many(store, [e.log for e in fresh])
        if not fresh:
            return []
        touches = [e.touch for e in fresh if e.touch is not None]
        if touches:
            members.touch_followers(store, touches)
        states = [e.session for e in fresh if e.session is not None]
        if states:
            sessions.save_many(store, states)
        questions = [q for e in fresh for q in e.questions]
        if questions:
            knowledge.record_questions(store, questions)
        return fresh

    def _start(self) -> None:
        """The writer thread (called under the lock, in the process that queues)."""
        self._thread = threading.Thread(
            target=self._run, name="dangjian-deferred-writes", daemon=True
        )
        self._thread.start()
        atexit.register(self.close)

    def _run(self) -> None:
        while not self._stopped:
            # after failures (the database is away), wait longer: up to BACKOFF_MAX seconds
            self._wake.wait(min(BACKOFF_MAX, self.interval * 2 ** min(self.failures, 16)))
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # never let the thread die: the next round tries again
                log.exception("deferred writes")

    def close(self) -> None:
        """Write what waits and stop the thread (at exit, and before the store closes)."""
        if os.getpid() != self._pid:
            return
        self._stopped = True
        self._wake.set()
        deadline = time.monotonic() + 5
        try:
            while self.waiting() and time.monotonic() < deadline:
                if not self.flush():  # (the thread is writing a batch: wait for it)
                    time.sleep(0.005)
        except Exception:
            log.exception("deferred writes at exit")

    def _forked(self) -> None:
        """After fork the parent's queue and thread are not ours: start empty."""
        if os.getpid() != self._pid:
            self._setup()
