"""Frozen ratings: what `dangjian stars --confirm` kept of a period and 支部."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage.db import Store


def confirmation(store: Store, period: str, branch_id: int) -> dict[str, Any] | None:
    return store.one(
        "SELECT * FROM rating_confirmations WHERE period = :period AND branch_id = :branch_id",
        {"period": period, "branch_id": branch_id},
    )


def confirmed_periods(store: Store, branch_id: int) -> list[str]:
    """Periods confirmed for a 支部, latest confirmation first."""
    rows = store.query(
        "SELECT period FROM rating_confirmations WHERE branch_id = :branch_id"
        " ORDER BY confirmed_at DESC, period DESC",
        {"branch_id": branch_id},
    )
    return [r["period"] for r in rows]


def freeze(
    store: Store,
    period: str,
    branch_id: int,
    now: str,
    via: str,
    member_rows: Sequence[dict[str, Any]],
    group_rows: Sequence[dict[str, Any]],
) -> bool:
    """Keep a period's ratings of one 支部; False (nothing written) if it was confirmed already."""
    with store.tx():
        cur = store.execute(
            "INSERT INTO rating_confirmations (period, branch_id, confirmed_at, confirmed_via)"
            " VALUES (:period, :branch_id, :now, :via) ON CONFLICT (period, branch_id) DO NOTHING",
            {"period": period, "branch_id": branch_id, "now": now, "via": via},
        )
        if cur.rowcount != 1:
            return False
        if member_rows:
            store.executemany(
                "INSERT INTO member_ratings (period, branch_id, member_id, name, party_group,"
                " points, stars, branch_place, group_place) VALUES (:period, :branch_id,"
                " :member_id, :name, :party_group, :points, :stars, :branch_place, :group_place)",
                [{"period": period, "branch_id": branch_id, **r} for r in member_rows],
            )
        if group_rows:
            store.executemany(
                "INSERT INTO group_ratings (period, branch_id, group_id, name, members, points,"
                " per_member, items_total, items_max, score, place) VALUES (:period, :branch_id,"
                " :group_id, :name, :members, :points, :per_member, :items_total, :items_max,"
                " :score, :place)",
                [{"period": period, "branch_id": branch_id, **r} for r in group_rows],
            )
        return True


def members_of(store: Store, period: str, branch_id: int) -> list[dict[str, Any]]:
    return store.query(
        "SELECT * FROM member_ratings WHERE period = :period AND branch_id = :branch_id"
        " ORDER BY branch_place, member_id",
        {"period": period, "branch_id": branch_id},
    )


def member(store: Store, period: str, member_id: int) -> dict[str, Any] | None:
    return store.one(
        "SELECT * FROM member_ratings WHERE period = :period AND member_id = :member_id",
        {"period": period, "member_id": member_id},
    )


def groups_of(store: Store, period: str, branch_id: int) -> list[dict[str, Any]]:
    return store.query(
        "SELECT * FROM group_ratings WHERE period = :period AND branch_id = :branch_id"
        " ORDER BY place, group_id",
        {"period": period, "branch_id": branch_id},
    )


def confirmed_containing(store: Store, branch_id: int, day: str) -> list[str]:
    """Confirmed periods of a 支部 that contain `day` (month, quarter, year keys)."""
    month, year = day[:7], day[:4]
    quarter = f"{year}Q{(int(day[5:7]) - 1) // 3 + 1}"
    rows = store.query(
        "SELECT period FROM rating_confirmations WHERE branch_id = :branch_id"
        " AND period IN :periods ORDER BY period",
        {"branch_id": branch_id, "periods": [month, quarter, year]},
    )
    return [r["period"] for r in rows]
