"""Storage: the Store API on either engine (transactions, savepoints, named parameters, two
connections racing), what SQLite keeps (WAL, the durable commit synced outside the writer
lock, the relaxed path), and read transactions that refuse writes."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import event

from storage import Store, checkins, open_store, points
from storage.db import ReadOnly, database_url, describe


@pytest.mark.sqlite_only
def test_pragmas(new_db: Callable[..., str]) -> None:
    store = open_store(new_db("p.db"))
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA synchronous") == 1  # NORMAL: durable commits sync the WAL
    assert store.scalar("PRAGMA foreign_keys") == 1
    assert store.scalar("PRAGMA busy_timeout") >= 5000


def test_transaction_rolls_back_on_error(new_db: Callable[..., str]) -> None:
    store = open_store(new_db("t.db"))
    with pytest.raises(RuntimeError), store.tx():
        store.execute("INSERT INTO branches (name) VALUES ('甲')")
        raise RuntimeError("boom")
    assert store.scalar("SELECT COUNT(*) FROM branches") == 0


def test_nested_transaction_is_a_savepoint(new_db: Callable[..., str]) -> None:
    store = open_store(new_db("s.db"))
    with store.tx():
        store.execute("INSERT INTO branches (name) VALUES ('甲')")
        with pytest.raises(ValueError), store.tx():
            store.execute("INSERT INTO branches (name) VALUES ('乙')")
            raise ValueError
    assert [r["name"] for r in store.query("SELECT name FROM branches")] == ["甲"]


def test_atomic_is_a_transaction_alone_and_part_of_an_open_one(
    new_db: Callable[..., str],
) -> None:
    store = open_store(new_db("a.db"))
    with pytest.raises(ValueError), store.atomic():  # alone: its own transaction
        store.execute("INSERT INTO branches (name) VALUES ('甲')")
        raise ValueError
    assert store.scalar("SELECT COUNT(*) FROM branches") == 0
    with store.atomic():
        store.execute("INSERT INTO branches (name) VALUES ('甲')")
    statements: list[str] = []
    with pytest.raises(ValueError), store.tx():
        store.execute("INSERT INTO branches (name) VALUES ('乙')")
        event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        with store.atomic():  # inside: no savepoint; an error ends the whole transaction
            store.execute("INSERT INTO branches (name) VALUES ('丙')")
        raise ValueError
    assert not [s for s in statements if "SAVEPOINT" in s.upper()]
    assert [r["name"] for r in store.query("SELECT name FROM branches")] == ["甲"]
    with store.read(), pytest.raises(ReadOnly), store.atomic():
        pass


def test_named_parameters_lists_and_returning(new_db: Callable[..., str]) -> None:
    store = open_store(new_db("n.db"))
    ids = [
        int(store.scalar("INSERT INTO branches (name) VALUES (:n) RETURNING id", {"n": n}))
        for n in ("甲", "乙", "丙")
    ]
    assert ids == sorted(ids) and len(set(ids)) == 3
    rows = store.query("SELECT name FROM branches WHERE id IN :ids ORDER BY id", {"ids": ids[:2]})
    assert [r["name"] for r in rows] == ["甲", "乙"]
    assert store.query("SELECT name FROM branches WHERE id IN :ids", {"ids": []}) == []
    changed = store.executemany(
        "INSERT INTO branches (name) VALUES (:n) ON CONFLICT DO NOTHING",
        [{"n": "甲"}, {"n": "丁"}, {"n": "戊"}],
    )
    assert changed == 2  # the existing one is left alone
    with pytest.raises(TypeError, match="named parameters"):
        store.query("SELECT name FROM branches WHERE id = ?", (1,))  # type: ignore[arg-type]


def test_aggregates_come_back_as_python_numbers(new_db: Callable[..., str]) -> None:
    store = open_store(new_db("a.db"))
    store.execute("INSERT INTO branches (name) VALUES ('甲')")
    store.execute(
        "INSERT INTO members (name, phone, branch_id, role, category, created_at, updated_at)"
        " VALUES ('张三', '13900000000', 1, '党员', '员工', 'now', 'now')"
    )
    points.award(store, 1, "2026-12-02", "checkin", "a", 2, "t")
    points.award(store, 1, "2026-12-02", "quiz", "b", 3, "t")
    total = store.scalar("SELECT SUM(amount) FROM points")
    assert total == 5 and type(total) is int  # PostgreSQL's NUMERIC becomes an int
    assert type(store.scalar("SELECT COUNT(*) FROM points")) is int


def test_two_connections_check_in_once(new_db: Callable[..., str]) -> None:
    """Two connections (as two web processes would have) racing on the same check-in."""
    target = new_db("race.db")
    setup = open_store(target)
    setup.execute("INSERT INTO branches (name) VALUES ('甲')")
    setup.execute(
        "INSERT INTO members (name, phone, branch_id, role, category, created_at, updated_at)"
        " VALUES ('张三', '13900000000', 1, '党员', '员工', 'now', 'now')"
    )
    stores = [open_store(target), open_store(target)]
    results: list[bool] = []
    barrier = threading.Barrier(2)

    def go(store: Store) -> None:
        barrier.wait()
        for _ in range(20):
            with store.tx():
                if checkins.add(store, 1, "2026-12-02", "t", None):
                    points.award(store, 1, "2026-12-02", "checkin", "2026-12-02", 1, "t")
                    results.append(True)

    threads = [threading.Thread(target=go, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True]
    assert setup.scalar("SELECT COUNT(*) FROM checkins") == 1
    assert setup.scalar("SELECT SUM(amount) FROM points") == 1
    for s in (*stores, setup):
        s.close()


def test_streak_helper() -> None:
    assert checkins.consecutive_days(["2026-12-02", "2026-12-01", "2026-11-29"], "2026-12-02") == 2
    assert checkins.consecutive_days(["2026-12-01"], "2026-12-02") == 0
    assert checkins.consecutive_days([], "2026-12-02") == 0


@pytest.mark.sqlite_only
def test_a_durable_commit_syncs_the_log_after_releasing_the_writer_lock(
    new_db: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reply waits for the disk, the other writers don't."""
    path = new_db("d.db")
    store = open_store(path)
    probe = os.open(f"{path}.lock", os.O_RDWR)
    synced: list[tuple[str, bool]] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        try:  # can another process take the writer lock while we sync?
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(probe, fcntl.LOCK_UN)
            free = True
        except BlockingIOError:
            free = False
        synced.append((os.readlink(f"/proc/self/fd/{fd}"), free))
        real_fsync(fd)

    monkeypatch.setattr("storage.db.os.fsync", fsync)
    before = store.synced_commits
    with store.tx():
        store.execute("INSERT INTO branches (name) VALUES ('甲')")
        assert synced == []  # not before the commit
    assert synced == [(os.path.realpath(f"{path}-wal"), True)]
    with store.tx(durable=False):
        store.execute("INSERT INTO branches (name) VALUES ('乙')")
    store.execute("INSERT INTO branches (name) VALUES ('丙')")  # its own durable transaction
    with pytest.raises(RuntimeError), store.tx():
        store.execute("INSERT INTO branches (name) VALUES ('丁')")
        raise RuntimeError  # rolled back: nothing to sync
    assert len(synced) == 2 and store.synced_commits - before == 2 and store.relaxed_commits == 1
    assert store.scalar("PRAGMA synchronous") == 1
    os.close(probe)
    store.close()


def test_a_read_transaction_refuses_writes(new_db: Callable[..., str]) -> None:
    store = open_store(new_db("ro.db"))
    with store.read():
        assert store.reading
        assert store.scalar("SELECT COUNT(*) FROM branches") == 0
        with pytest.raises(ReadOnly):
            store.execute("INSERT INTO branches (name) VALUES ('甲')")
        with pytest.raises(ReadOnly), store.tx():
            pass
    assert store.refused_write and not store.reading
    with store.read():
        pass
    assert not store.refused_write  # each read() starts afresh
    store.execute("INSERT INTO branches (name) VALUES ('甲')")
    assert store.scalar("SELECT COUNT(*) FROM branches") == 1


def test_relaxed_commit_is_committed(new_db: Callable[..., str]) -> None:
    store = open_store(new_db("r2.db"))
    with store.tx(durable=False):
        store.execute("INSERT INTO branches (name) VALUES ('甲')")
    other = open_store(new_db("r2.db"))
    assert other.scalar("SELECT COUNT(*) FROM branches") == 1
    assert store.relaxed_commits == 1
    store.close()
    other.close()


def test_relax_lets_an_open_transaction_commit_without_waiting_for_the_disk(
    new_db: Callable[..., str],
) -> None:
    store = open_store(new_db("r3.db"))
    synced, relaxed = store.synced_commits, store.relaxed_commits
    with store.tx():
        store.execute("INSERT INTO branches (name) VALUES ('甲')")
        store.relax()
        assert store.tx_durable is False
        if not store.is_sqlite:
            assert store.scalar("SHOW synchronous_commit") == "off"
    assert store.synced_commits == synced and store.relaxed_commits == relaxed + 1
    with store.tx():
        store.execute("INSERT INTO branches (name) VALUES ('乙')")
    assert store.relaxed_commits == relaxed + 1  # the next one is durable again
    assert store.synced_commits == synced + (1 if store.is_sqlite else 0)
    assert store.scalar("SELECT COUNT(*) FROM branches") == 2
    with pytest.raises(RuntimeError):
        store.relax()  # outside a transaction
    store.close()


def test_database_urls() -> None:
    assert database_url("var/dangjian.db").get_backend_name() == "sqlite"
    for url in ("postgresql://u:secret@db.example/dj", "postgresql+psycopg://u:secret@db/dj"):
        assert database_url(url).drivername == "postgresql+psycopg"
        assert "secret" not in describe(url)
    assert describe("var/dangjian.db") == "var/dangjian.db"
    with pytest.raises(ValueError, match="postgresql://"):
        database_url("mysql://u@h/db")


def test_bulk_insert_loads_rows_in_the_transaction(new_db: Callable[..., str]) -> None:
    store = open_store(new_db("bulk.db"))
    rows = ((i, f"支部{i}") for i in range(1, 25_001))  # more than one batch, from a generator
    with store.tx():
        assert store.bulk_insert("branches", ("id", "name"), rows) == 25_000
    assert store.scalar("SELECT COUNT(*) FROM branches") == 25_000
    assert store.scalar("SELECT name FROM branches WHERE id = 24999") == "支部24999"
    with pytest.raises(RuntimeError), store.tx():
        store.bulk_insert("branches", ("id", "name"), [(30_000, "甲")])
        raise RuntimeError  # rolled back with the transaction
    assert store.scalar("SELECT COUNT(*) FROM branches") == 25_000
