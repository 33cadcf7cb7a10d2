"""Migrations: ordered, once each, on either engine; one process at a time (a second waits and
finds nothing to do); a SQLite file made by the code before this layer upgrades in place."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import create_app
from bot.channels.peer import WeChatPeer
from bot.clock import FixedClock, parse_stamp, stamp
from bot.config import SHIPPED_CONTENT, SHIPPED_QUIZZES, load_settings
from bot.services import build_services
from storage import Store, broadcasts, lease, open_store
from storage import migrate as migrations
from storage.migrate import Migration, Ops, available, migrate
from tests.conftest import flask_transport

DATA = Path(__file__).parent / "data"


def test_migrations_apply_once_in_order(new_db: Callable[..., str]) -> None:
    store = Store(new_db("m.db", empty=True))
    first = migrate(store)
    assert first == [m.version for m in available()] and first == sorted(first)
    assert first[:5] == [
        "0001_core",
        "0002_quiz",
        "0003_knowledge",
        "0004_jobs",
        "0005_points_by_member",
    ]
    assert migrate(store) == []
    store.close()


def test_a_sql_file_in_the_schema_folder_is_an_error(tmp_path: Path) -> None:
    """Schema changes are Python migrations (storage/schema/vNNNN_topic.py, see
    storage/migrate.py); a .sql file there (from a branch written before) stops the start
    instead of being skipped."""
    folder = Path(migrations.__file__).parent / "schema"
    assert sorted(p.name for p in folder.glob("*.sql")) == []
    stray = folder / "0099_example.sql"
    stray.write_text("CREATE TABLE example (id INTEGER PRIMARY KEY);\n", encoding="utf-8")
    try:
        with pytest.raises(RuntimeError, match="0099_example.sql: schema changes are Python"):
            available()
    finally:
        stray.unlink()


def test_a_second_migration_waits_then_finds_nothing_to_do(
    new_db: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Process A is inside a slow migration when B starts: B waits for A's lock, then sees
    everything applied (without the lock B would run the same steps and crash)."""
    target = new_db("c.db", empty=True)
    inside, release = threading.Event(), threading.Event()
    real = available()

    def slow(op: Ops) -> None:
        inside.set()
        release.wait(10)

    steps = [*real, Migration("9999_slow", slow, "")]
    monkeypatch.setattr(migrations, "available", lambda: steps)
    results: dict[str, list[str]] = {}

    def run(name: str) -> None:
        store = Store(target)
        try:
            results[name] = migrate(store)
        finally:
            store.close()

    a = threading.Thread(target=run, args=("a",))
    a.start()
    assert inside.wait(30)
    b = threading.Thread(target=run, args=("b",))
    b.start()
    b.join(0.5)
    assert b.is_alive()  # waiting for A's lock
    release.set()
    a.join(30)
    b.join(30)
    assert results["a"] == [m.version for m in steps]
    assert results["b"] == []


def test_two_migrate_commands_at_once(new_db: Callable[..., str], tmp_path: Path) -> None:
    target = new_db("cli.db", empty=True)
    dangjian = str(Path(sys.executable).parent / "dangjian")
    env = {"DANGJIAN_DB": target, "PATH": str(Path(sys.executable).parent)}
    procs = [
        subprocess.Popen(
            [dangjian, "migrate"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert sorted("up to date" in out for out in outputs) == [False, True], outputs
    assert sum("applied 0001_core" in out for out in outputs) == 1, outputs


@pytest.mark.sqlite_only
def test_a_database_made_before_this_layer_upgrades_in_place(tmp_path: Path) -> None:
    """tests/storage/data/v0005.db was made by the code of commit 1a65614 (see
    make_v0005_db.py beside it): local-zone instants, no inbound_log id."""
    path = tmp_path / "old.db"
    shutil.copy(DATA / "v0005.db", path)
    store = open_store(path)
    versions = [r["version"] for r in store.query("SELECT version FROM schema_migrations")]
    assert versions[:5] == [m.version for m in available()][:5]
    assert set(versions) == {m.version for m in available()}
    counts = {
        t: store.scalar(f"SELECT COUNT(*) FROM {t}")
        for t in ("members", "inbound_log", "outbox", "meetings", "broadcasts", "points")
    }
    assert counts == {
        "members": 20,
        "inbound_log": 14,
        "outbox": 15,
        "meetings": 1,
        "broadcasts": 2,
        "points": 1,
    }

    # Instants are UTC now, the same moments as before.
    meeting = store.one("SELECT starts_at, created_at FROM meetings")
    assert meeting == {
        "starts_at": "2026-12-05T07:00:00+00:00",
        "created_at": "2026-12-02T01:01:10+00:00",
    }
    held = lease.holder(store)
    assert held is not None and held["expires_at"] == "2026-12-02T01:02:38+00:00"
    assert all(
        r["received_at"].endswith("+00:00")
        for r in store.query("SELECT received_at FROM inbound_log")
    )
    ids = [r["id"] for r in store.query("SELECT id FROM inbound_log ORDER BY received_at")]
    assert ids == list(range(1, 15))  # the log keeps its order, with an id
    last = store.one(
        "SELECT content FROM inbound_log WHERE openid = 'o-zhangwei' ORDER BY id DESC LIMIT 1"
    )
    assert last == {"content": "转人工"}

    # The scheduled notice (2026-12-10 09:00 in Shanghai) is due at that moment, not before.
    due_at = parse_stamp("2026-12-10T09:00:00+08:00")
    assert [b["id"] for b in broadcasts.due(store, stamp(due_at))] == [2]
    assert broadcasts.due(store, "2026-12-10T00:59:59+00:00") == []
    store.close()

    # And the app carries on with it: today's check-in is found, the notice shows local time.
    clock = FixedClock("2026-12-02T10:00:00+08:00")
    settings = load_settings(
        env={},
        dotenv=None,
        wechat_token="old-token",
        wechat_appid="wx1234567890abcdef",
        db=str(path),
        content_dir=str(SHIPPED_CONTENT),
        quiz_dir=str(SHIPPED_QUIZZES),
        simulator="off",
    )
    services = build_services(settings, clock=clock)
    peer = WeChatPeer(
        flask_transport(create_app(settings, services)),
        "old-token",
        "wx1234567890abcdef",
        now=lambda: clock.now().timestamp(),
    )
    assert "已经打过卡" in peer.send("o-zhangwei", "打卡").text
    waiting = peer.send("o-wangjianguo", "撤回通知").text
    assert "2. 12月10日（周四）09:00 周四上午开会" in waiting
    services.store.close()


def test_utc_conversion_covers_tables_added_after_it(new_db: Callable[..., str]) -> None:
    """A database made by code that had migrations 0010-0030 but not 0006 (they were
    numbered after it): 0006 runs last there and converts their instants too."""
    store = open_store(new_db("late.db"))
    store.execute(
        "INSERT INTO custom_quota (channel, openid, window_start, sent)"
        " VALUES ('wechat', 'o-1', '2026-12-02T09:00:00+08:00', 2)"
    )
    store.execute(
        "INSERT INTO health_probe (id, checked_at) VALUES (1, '2026-12-02T09:00:05+08:00')"
    )
    store.execute("DELETE FROM schema_migrations WHERE version = '0006_utc'")
    assert migrate(store) == ["0006_utc"]
    assert store.scalar("SELECT window_start FROM custom_quota") == "2026-12-02T01:00:00+00:00"
    assert store.scalar("SELECT checked_at FROM health_probe") == "2026-12-02T01:00:05+00:00"
    store.close()


def test_0050_gives_unknown_pushes_a_status_of_their_own(
    new_db: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pushes whose outcome is unknown were `failed` + reason `unknown`; the rebuilt outbox
    allows status `unknown`, keeps every id (signed links and client_msg_id name the row) and
    goes on numbering after them."""
    from bot.demo import load_demo

    store = Store(new_db("u.db", empty=True))
    before = [m for m in available() if m.version < "0050"]
    monkeypatch.setattr(migrations, "available", lambda: before)
    migrate(store)
    load_demo(store, "2026-12-02T01:00:00+00:00")
    rows = [(7, "failed", "unknown"), (8, "failed", "errcode:43004"), (9, "sent", None)]
    for row_id, status, reason in rows:
        store.execute(
            "INSERT INTO outbox (id, key, job, period, member_id, kind, text, status, reason,"
            " next_attempt_at, created_at) VALUES (:id, :key, 'study', '2026-12-02', 1, 'study',"
            " 'x', :status, :reason, 'now', 'now')",
            {"id": row_id, "key": f"k{row_id}", "status": status, "reason": reason},
        )
    monkeypatch.undo()
    assert migrate(store) == [m.version for m in available() if m.version >= "0050"]
    got = store.query("SELECT id, status, reason FROM outbox ORDER BY id")
    assert [(r["id"], r["status"]) for r in got] == [(7, "unknown"), (8, "failed"), (9, "sent")]
    new = store.scalar(
        "INSERT INTO outbox (key, job, period, member_id, kind, text, status, next_attempt_at,"
        " created_at) VALUES ('k10', 'study', '2026-12-03', 1, 'study', 'x', 'unknown', 'now',"
        " 'now') RETURNING id"
    )
    assert new == 10
    with pytest.raises(Exception):  # noqa: B017 (IntegrityError from either driver)
        store.execute("UPDATE outbox SET status = 'lost' WHERE id = 10")
    indexes = {
        i["name"] for i in __import__("sqlalchemy").inspect(store.conn).get_indexes("outbox")
    }
    assert {"outbox_due", "outbox_job"} <= indexes
    store.close()
