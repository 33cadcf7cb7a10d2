"""storage/points.py `place_among_members`: one member's place counted in the database is the
place bot/ranking.py `rank` gives the same rows (ties share a place; inactive members and
other 党小组 don't count)."""

from __future__ import annotations

import random
from collections.abc import Callable

from bot import ranking
from bot.clock import FixedClock, stamp
from bot.demo import load_demo
from storage import open_store
from storage import points as ledger


def test_the_counted_place_is_the_ranked_place(
    new_db: Callable[..., str], clock: FixedClock
) -> None:
    store = open_store(new_db("p.db"))
    try:
        load_demo(store, stamp(clock.now()))
        branch = int(store.scalar("SELECT id FROM branches ORDER BY id LIMIT 1"))
        groups = [int(r["id"]) for r in store.query(
            "SELECT id FROM party_groups WHERE branch_id = :b ORDER BY id", {"b": branch}
        )]  # fmt: skip
        assert groups
        ids = []
        for i in range(24):
            ids.append(int(store.scalar(
                "INSERT INTO members (name, phone, branch_id, group_id, category, role, active, updated_at,"
                " created_at) VALUES (:name, :phone, :b, :g, '员工', '党员', :active, :now, :now)"
                " RETURNING id",
                {"name": f"测{i}", "phone": f"1390000{i:04d}", "b": branch,
                 "g": groups[i % len(groups)], "active": 0 if i % 7 == 6 else 1,
                 "now": stamp(clock.now())},
            )))  # fmt: skip
        rnd = random.Random(11)
        for round_ in range(6):
            period = f"2026-{round_ + 1:02d}"
            for member_id in ids:
                for rule in ("checkin", "quiz_right"):
                    if rnd.random() < 0.3:
                        continue  # no row: 0 points
                    store.execute(
                        "INSERT INTO point_sums (member_id, period, rule, amount, n)"
                        " VALUES (:m, :p, :r, :a, 1)",
                        {"m": member_id, "p": period, "r": rule, "a": rnd.randint(0, 4)},
                    )
            for group in (None, *groups):
                rows = ledger.member_points(store, period, branch, group)
                placed = ranking.rank(rows, ranking.points)
                for member_id in ids:
                    expected = ranking.place_of(placed, lambda r, m=member_id: int(r["id"]) == m)
                    got = ledger.place_among_members(store, period, member_id, branch, group)
                    if expected is None:
                        assert got is None, (period, group, member_id)
                    else:
                        assert got == (expected, len(rows)), (period, group, member_id)
    finally:
        store.close()
