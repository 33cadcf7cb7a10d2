"""The replay memory: a callback's (timestamp, nonce) with its message digest, shared by every
process (SQLite: an LMDB file beside the database; PostgreSQL: a table), checked by one
write before a message is handled."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from pathlib import Path

import pytest

from storage import open_store, replays
from storage.replays import CallbackPair


def _pair(nonce: str = "n1", digest: str = "d1", ts: int = 1_000) -> CallbackPair:
    return CallbackPair("wechat", ts, nonce, digest)


def test_new_same_other(new_db: Callable[..., str]) -> None:
    store = open_store(new_db("r.db"))
    try:
        assert replays.check(store, _pair()) == "new"
        assert replays.check(store, _pair()) == "same"  # a retry: the same message
        assert replays.check(store, _pair(digest="d2")) == "other"  # another body: refused
        assert replays.check(store, CallbackPair("wecom", 1_000, "n1", "d2")) == "new"
        assert replays.count(store) == 2
    finally:
        store.close()


def test_two_stores_on_one_database_share_the_pairs(new_db: Callable[..., str]) -> None:
    """Two Store objects stand for two worker processes (each has its own connections)."""
    url = new_db("r.db")
    a, b = open_store(url), open_store(url)
    try:
        assert replays.check(a, _pair()) == "new"
        assert replays.check(b, _pair(digest="forged")) == "other"
        assert replays.check(b, _pair()) == "same"
    finally:
        a.close()
        b.close()


def _claim(url: str, nonce: str, digest: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    store = open_store(url, migrate=False)
    try:
        out.put(replays.check(store, _pair(nonce=nonce, digest=digest)))
    finally:
        store.close()


def test_processes_racing_for_one_pair_get_one_new(new_db: Callable[..., str]) -> None:
    url = new_db("r.db")
    open_store(url).close()
    ctx = multiprocessing.get_context("fork")
    out: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    procs = [ctx.Process(target=_claim, args=(url, "race", f"d{i}", out)) for i in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    verdicts = sorted(out.get(timeout=5) for _ in procs)
    assert verdicts == ["new"] + ["other"] * 5


def test_a_forked_child_opens_its_own_side_connection(new_db: Callable[..., str]) -> None:
    store = open_store(new_db("r.db"))
    try:
        assert replays.check(store, _pair("before-fork")) == "new"
        ctx = multiprocessing.get_context("fork")
        out: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]

        def child() -> None:
            out.put(replays.check(store, _pair("before-fork", digest="forged")))

        p = ctx.Process(target=child)
        p.start()
        p.join(30)
        assert out.get(timeout=5) == "other"
        assert replays.check(store, _pair("after-fork")) == "new"  # the parent's still works
    finally:
        store.close()


def test_prune_forgets_pairs_before_the_window(new_db: Callable[..., str]) -> None:
    store = open_store(new_db("r.db"))
    try:
        for ts in (100, 200, 300):
            replays.check(store, _pair(nonce=f"n{ts}", ts=ts))
        assert replays.prune(store, 250) == 2
        assert replays.count(store) == 1
        assert replays.check(store, _pair(nonce="n100", ts=100, digest="x")) == "new"
    finally:
        store.close()


def _check_in_child(path: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    store = open_store(path, migrate=False)
    try:
        out.put(replays.check(store, _pair()))
    finally:
        store.close()


@pytest.mark.sqlite_only
def test_sqlite_keeps_the_pairs_beside_the_database(tmp_path: Path) -> None:
    path = tmp_path / "side.db"
    store = open_store(str(path))
    try:
        replays.check(store, _pair())
        memory = replays.memory(store)
        assert memory.side == f"{path}.callbacks.lmdb" and Path(memory.side).is_file()
        assert store.scalar("SELECT COUNT(*) FROM callback_nonces") == 0  # not in the main file
    finally:
        store.close()
    for name in ("side.db.callbacks.lmdb", "side.db.callbacks.lmdb-lock"):
        path.with_name(name).unlink()  # lost: a process rebuilds it empty, nothing else needed
    ctx = multiprocessing.get_context("fork")
    out: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    p = ctx.Process(target=_check_in_child, args=(str(path), out))
    p.start()
    p.join(30)
    assert out.get(timeout=5) == "new"


def test_an_in_memory_database_keeps_its_pairs_in_the_process() -> None:
    store = open_store(":memory:")
    try:
        assert replays.check(store, _pair()) == "new"
        assert replays.check(store, _pair()) == "same"
        assert replays.check(store, _pair(digest="x")) == "other"
        assert replays.prune(store, 2_000) == 1 and replays.count(store) == 0
    finally:
        store.close()
