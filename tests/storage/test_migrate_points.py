"""Migration 0120: the points a database already holds (kinds checkin, quiz, reflection,
meeting) keep counting — as rows of the rules of the same key, version 1 — and fill the
per-period sums."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import storage.migrate as migrations
from bot.demo import load_demo
from bot.text import name_key
from storage import points
from storage.db import Store
from storage.migrate import available, migrate

OLD_ROWS = [
    (3, "2026-09-30", "checkin", "2026-09-30", 1),
    (3, "2026-10-01", "quiz", "daily:2026-10-01", 6),
    (3, "2026-10-01", "reflection", "2026-10-01", 1),
    (4, "2026-12-31", "meeting", "7", 2),
    (4, "2027-01-01", "checkin", "2027-01-01", 1),
]


def test_existing_points_become_version_1_rows_and_fill_the_sums(
    new_db: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = new_db("old.db", empty=True)
    before = [m for m in available() if m.version < "0120"]
    monkeypatch.setattr(migrations, "available", lambda: before)
    store = Store(target)
    migrate(store)
    from bot.demo import DEMO_ROSTER
    from storage.members import upsert_roster

    upsert_roster(store, DEMO_ROSTER, "2026-09-01T00:00:00+00:00", name_key=name_key)
    store.executemany(
        "INSERT INTO points (member_id, day, kind, ref, amount, note, at)"
        " VALUES (:m, :day, :kind, :ref, :amount, '', :day)",
        [dict(zip(("m", "day", "kind", "ref", "amount"), row, strict=True)) for row in OLD_ROWS],
    )
    monkeypatch.undo()
    applied = migrate(store)
    assert "0120_points_ledger" in applied
    rows = store.query(
        "SELECT member_id, kind, version, granted_by, granted_via FROM points ORDER BY id"
    )
    assert [(r["kind"], r["version"], r["granted_by"], r["granted_via"]) for r in rows] == [
        (kind, 1, None, "") for _, _, kind, _, _ in OLD_ROWS
    ]
    assert points.sums(store, 3, ["2026-09", "2026Q3", "2026-10", "2026Q4", "2026"]) == {
        "2026-09": {"checkin": 1},
        "2026Q3": {"checkin": 1},
        "2026-10": {"quiz": 6, "reflection": 1},
        "2026Q4": {"quiz": 6, "reflection": 1},
        "2026": {"checkin": 1, "quiz": 6, "reflection": 1},
    }
    assert points.total(store, 4, "2026") == 2 and points.total(store, 4, "2027Q1") == 1
    assert points.sums_differ(store) == 0
    # They keep counting: a new row of the same rule adds to the same sums.
    points.add(
        store, member_id=3, day="2026-10-02", rule="checkin", ref="2026-10-02", amount=1, at="t"
    )
    assert points.total(store, 3, "2026Q4") == 8
    load_demo(store, "2026-12-01T00:00:00+00:00")  # the roster loads again over migrated data
    store.close()
