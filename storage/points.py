"""The points ledger (积分): per member, summed per 党小组 and 支部 by month, quarter and year."""

from __future__ import annotations

from typing import Any

from storage.db import Store


def award(
    store: Store,
    member_id: int,
    day: str,
    kind: str,
    ref: str,
    amount: int,
    at: str,
    note: str = "",
) -> bool:
    """Add points once per (member, kind, ref). False if already awarded."""
    cur = store.execute(
        "INSERT INTO points (member_id, day, kind, ref, amount, note, at)"
        " VALUES (:member_id, :day, :kind, :ref, :amount, :note, :at)"
        " ON CONFLICT (member_id, kind, ref) DO NOTHING",
        {
            "member_id": member_id,
            "day": day,
            "kind": kind,
            "ref": ref,
            "amount": amount,
            "note": note,
            "at": at,
        },
    )
    return cur.rowcount == 1


def total(store: Store, member_id: int, start: str | None = None, end: str | None = None) -> int:
    sql = "SELECT COALESCE(SUM(amount), 0) FROM points WHERE member_id = :member_id"
    params: dict[str, Any] = {"member_id": member_id}
    if start:
        sql += " AND day >= :start"
        params["start"] = start
    if end:
        sql += " AND day <= :end"
        params["end"] = end
    return int(store.scalar(sql, params))


def by_kind(store: Store, member_id: int, start: str, end: str) -> dict[str, int]:
    rows = store.query(
        "SELECT kind, SUM(amount) AS n FROM points WHERE member_id = :member_id"
        " AND day BETWEEN :start AND :end GROUP BY kind",
        {"member_id": member_id, "start": start, "end": end},
    )
    return {r["kind"]: int(r["n"]) for r in rows}


def day_total(store: Store, member_id: int, day: str, kinds: tuple[str, ...]) -> int:
    return int(
        store.scalar(
            "SELECT COALESCE(SUM(amount), 0) FROM points WHERE member_id = :member_id"
            " AND day = :day AND kind IN :kinds",
            {"member_id": member_id, "day": day, "kinds": list(kinds)},
        )
    )


def ranking(
    store: Store, level: str, start: str, end: str, branch_id: int | None = None
) -> list[dict[str, Any]]:
    """Totals between two days, ranked. level: 'member', 'group' or 'branch'."""
    where = "m.active = 1"
    params: dict[str, Any] = {"start": start, "end": end}
    if branch_id is not None:
        where += " AND m.branch_id = :branch_id"
        params["branch_id"] = branch_id
    if level == "member":
        sql = (
            "SELECT m.id, m.name, COALESCE(SUM(p.amount), 0) AS points FROM members m"
            " LEFT JOIN points p ON p.member_id = m.id AND p.day BETWEEN :start AND :end"
            f" WHERE {where} GROUP BY m.id, m.name ORDER BY points DESC, m.id"
        )
    elif level == "group":
        sql = (
            "SELECT g.id, g.name, COALESCE(SUM(p.amount), 0) AS points,"
            " COUNT(DISTINCT m.id) AS members"
            " FROM members m JOIN party_groups g ON g.id = m.group_id"
            " LEFT JOIN points p ON p.member_id = m.id AND p.day BETWEEN :start AND :end"
            f" WHERE {where} GROUP BY g.id, g.name ORDER BY points DESC, g.id"
        )
    elif level == "branch":
        sql = (
            "SELECT b.id, b.name, COALESCE(SUM(p.amount), 0) AS points,"
            " COUNT(DISTINCT m.id) AS members"
            " FROM members m JOIN branches b ON b.id = m.branch_id"
            " LEFT JOIN points p ON p.member_id = m.id AND p.day BETWEEN :start AND :end"
            f" WHERE {where} GROUP BY b.id, b.name ORDER BY points DESC, b.id"
        )
    else:
        raise ValueError(f"unknown level {level!r}")
    return store.query(sql, params)
