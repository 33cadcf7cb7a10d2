"""Storage: pragmas, migrations, transactions and savepoints, and two processes' connections."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from storage import Store, checkins, open_store, points
from storage.migrate import available, migrate


def test_pragmas(tmp_path: Path) -> None:
    store = open_store(tmp_path / "p.db")
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA synchronous") == 2  # FULL
    assert store.scalar("PRAGMA foreign_keys") == 1
    assert store.scalar("PRAGMA busy_timeout") >= 5000


def test_migrations_apply_once_in_order(tmp_path: Path) -> None:
    store = Store(tmp_path / "m.db")
    first = migrate(store)
    assert first == [v for v, _ in available()] and first == sorted(first)
    assert migrate(store) == []


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    store = open_store(tmp_path / "t.db")
    with pytest.raises(RuntimeError), store.tx():
        store.execute("INSERT INTO branches (name) VALUES ('甲')")
        raise RuntimeError("boom")
    assert store.scalar("SELECT COUNT(*) FROM branches") == 0


def test_nested_transaction_is_a_savepoint(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    with store.tx():
        store.execute("INSERT INTO branches (name) VALUES ('甲')")
        with pytest.raises(ValueError), store.tx():
            store.execute("INSERT INTO branches (name) VALUES ('乙')")
            raise ValueError
    assert [r["name"] for r in store.query("SELECT name FROM branches")] == ["甲"]


def test_two_connections_check_in_once(tmp_path: Path) -> None:
    """Two connections (as two gunicorn workers would have) racing on the same check-in."""
    path = tmp_path / "race.db"
    setup = open_store(path)
    setup.execute("INSERT INTO branches (name) VALUES ('甲')")
    setup.execute(
        "INSERT INTO members (name, phone, branch_id, role, category, created_at, updated_at)"
        " VALUES ('张三', '13900000000', 1, '党员', '员工', 'now', 'now')"
    )
    stores = [open_store(path), open_store(path)]
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


def test_streak_helper() -> None:
    assert checkins.consecutive_days(["2026-12-02", "2026-12-01", "2026-11-29"], "2026-12-02") == 2
    assert checkins.consecutive_days(["2026-12-01"], "2026-12-02") == 0
    assert checkins.consecutive_days([], "2026-12-02") == 0


def test_relaxed_commit_restores_full_sync(tmp_path: Path) -> None:
    store = open_store(tmp_path / "r.db")
    with store.tx(durable=False):
        store.execute("INSERT INTO branches (name) VALUES ('甲')")
    assert store.scalar("PRAGMA synchronous") == 2
    with pytest.raises(RuntimeError), store.tx(durable=False):
        raise RuntimeError
    assert store.scalar("PRAGMA synchronous") == 2
    assert store.scalar("SELECT COUNT(*) FROM branches") == 1
