"""The points ledger (积分台账): one row per point event, and per-period sums kept on write.

A row of `points`: member, day (the organization's calendar day it counts on), `kind` (the
rule key of points.yaml, or 'adjust'), `version` (of that rule), `ref` (what earned it: once
per member, rule and ref), amount, `note` (the reason), `at` (UTC instant), and who granted it
when a person did (`granted_by` member id, `granted_via`).

`point_sums` (member, period, rule) holds amount and row count for the month (`2026-11`),
quarter (`2026Q4`) and year (`2026`) of every row, updated in the same transaction as the
insert: 我的积分, 排行 and the reports read these instead of summing a year of rows. Anything
that writes ledger rows without `add` (a bulk load) must call `rebuild_sums` afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from storage.db import Store

ADJUST = "adjust"

_SUMS = (
    "INSERT INTO point_sums (member_id, period, rule, amount, n)"
    " VALUES (:member_id, :period, :rule, :amount, 1)"
    " ON CONFLICT (member_id, period, rule) DO UPDATE SET"
    " amount = point_sums.amount + excluded.amount, n = point_sums.n + 1"
)
_QUARTER = (
    "SUBSTR(day, 1, 4) || 'Q' || CASE WHEN SUBSTR(day, 6, 2) <= '03' THEN '1'"
    " WHEN SUBSTR(day, 6, 2) <= '06' THEN '2' WHEN SUBSTR(day, 6, 2) <= '09' THEN '3'"
    " ELSE '4' END"
)


def period_keys(day: str) -> tuple[str, str, str]:
    """'2026-11-30' -> ('2026-11', '2026Q4', '2026') (as bot.periods.keys_of)."""
    return day[:7], f"{day[:4]}Q{(int(day[5:7]) - 1) // 3 + 1}", day[:4]


def add(
    store: Store,
    *,
    member_id: int,
    day: str,
    rule: str,
    ref: str,
    amount: int,
    at: str,
    version: int = 1,
    reason: str = "",
    granted_by: int | None = None,
    granted_via: str = "",
) -> bool:
    """One ledger row, once per (member, rule, ref), and its period sums. False when that
    (member, rule, ref) was already in the ledger (nothing changes)."""
    with store.atomic():
        cur = store.execute(
            "INSERT INTO points (member_id, day, kind, ref, amount, note, at, version,"
            " granted_by, granted_via)"
            " VALUES (:member_id, :day, :rule, :ref, :amount, :note, :at, :version,"
            " :granted_by, :granted_via)"
            " ON CONFLICT (member_id, kind, ref) DO NOTHING",
            {
                "member_id": member_id,
                "day": day,
                "rule": rule,
                "ref": ref,
                "amount": amount,
                "note": reason,
                "at": at,
                "version": version,
                "granted_by": granted_by,
                "granted_via": granted_via,
            },
        )
        if cur.rowcount != 1:
            return False
        store.executemany(
            _SUMS,
            [
                {"member_id": member_id, "period": p, "rule": rule, "amount": amount}
                for p in period_keys(day)
            ],
        )
        return True


def award(
    store: Store,
    member_id: int,
    day: str,
    kind: str,
    ref: str,
    amount: int,
    at: str,
    note: str = "",
    version: int = 1,
) -> bool:
    """`add` in the ledger's older call form (kind = rule key). False if already awarded."""
    return add(
        store,
        member_id=member_id,
        day=day,
        rule=kind,
        ref=ref,
        amount=amount,
        at=at,
        version=version,
        reason=note,
    )


def rebuild_sums(store: Store) -> int:
    """Recompute every period sum from the ledger (after a bulk load that bypassed `add`, or to
    repair). Returns the number of sum rows."""
    with store.tx():
        store.execute("DELETE FROM point_sums")
        for period in ("SUBSTR(day, 1, 7)", _QUARTER, "SUBSTR(day, 1, 4)"):
            store.execute(
                "INSERT INTO point_sums (member_id, period, rule, amount, n)"
                f" SELECT member_id, {period}, kind, SUM(amount), COUNT(*) FROM points"
                f" GROUP BY member_id, {period}, kind"
            )
        return int(store.scalar("SELECT COUNT(*) FROM point_sums"))


def sums_differ(store: Store) -> int:
    """How many (member, year, rule) sums disagree with the ledger (0 when consistent)."""
    rows = store.query(
        "SELECT p.member_id, SUBSTR(p.day, 1, 4) AS period, p.kind AS rule,"
        " SUM(p.amount) AS amount FROM points p"
        " GROUP BY p.member_id, SUBSTR(p.day, 1, 4), p.kind"
    )
    have = {
        (int(r["member_id"]), r["period"], r["rule"]): int(r["amount"])
        for r in store.query(
            "SELECT member_id, period, rule, amount FROM point_sums WHERE LENGTH(period) = 4"
        )
    }
    want = {(int(r["member_id"]), r["period"], r["rule"]): int(r["amount"]) for r in rows}
    keys = set(have) | set(want)
    return sum(1 for k in keys if have.get(k, 0) != want.get(k, 0))


# -- one member -------------------------------------------------------------------------------


def day_by_rule(store: Store, member_id: int, day: str) -> dict[str, int]:
    """The member's points per rule on one day (caps, 我的积分's today line)."""
    rows = store.query(
        "SELECT kind, SUM(amount) AS n FROM points WHERE member_id = :member_id AND day = :day"
        " GROUP BY kind",
        {"member_id": member_id, "day": day},
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


def sums(store: Store, member_id: int, periods: Iterable[str]) -> dict[str, dict[str, int]]:
    """period -> rule -> amount for one member (periods with nothing are absent)."""
    out: dict[str, dict[str, int]] = {}
    for r in store.query(
        "SELECT period, rule, amount FROM point_sums WHERE member_id = :member_id"
        " AND period IN :periods",
        {"member_id": member_id, "periods": list(periods)},
    ):
        out.setdefault(r["period"], {})[r["rule"]] = int(r["amount"])
    return out


def total(store: Store, member_id: int, period: str | None = None) -> int:
    """The member's points in a period (a sum row per rule), or ever (the ledger's rows)."""
    if period is None:
        return int(
            store.scalar(
                "SELECT COALESCE(SUM(amount), 0) FROM points WHERE member_id = :member_id",
                {"member_id": member_id},
            )
        )
    return int(
        store.scalar(
            "SELECT COALESCE(SUM(amount), 0) FROM point_sums WHERE member_id = :member_id"
            " AND period = :period",
            {"member_id": member_id, "period": period},
        )
    )


def rows_of(
    store: Store, member_id: int, start: str, end: str, rule: str | None = None
) -> list[dict[str, Any]]:
    """The member's ledger rows between two days (inclusive), oldest first."""
    sql = (
        "SELECT id, day, kind AS rule, version, ref, amount, note AS reason, at, granted_by,"
        " granted_via FROM points WHERE member_id = :member_id AND day >= :start AND day <= :end"
    )
    params: dict[str, Any] = {"member_id": member_id, "start": start, "end": end}
    if rule is not None:
        sql += " AND kind = :rule"
        params["rule"] = rule
    return store.query(sql + " ORDER BY day, id", params)


# -- many members -----------------------------------------------------------------------------


# A member's total of one period, looked up per member (index point_sums_member): both engines
# then read a few index entries per member of the 支部, however many members the organization
# has. (A join lets PostgreSQL's planner hash-join the whole period's sums of every member.)
_TOTAL = (
    "(SELECT COALESCE(SUM(s.amount), 0) FROM point_sums s"
    " WHERE s.member_id = m.id AND s.period = :period)"
)


def _members_where(branch_id: int | None, group_id: int | None, params: dict[str, Any]) -> str:
    where = "m.active = 1"
    if branch_id is not None:
        where += " AND m.branch_id = :branch_id"
        params["branch_id"] = branch_id
    if group_id is not None:
        where += " AND m.group_id = :group_id"
        params["group_id"] = group_id
    return where


def member_totals(
    store: Store, period: str, branch_id: int | None = None, group_id: int | None = None
) -> list[dict[str, Any]]:
    """Every active member (of a 支部 or 党小组) with their points in the period: id, name,
    branch_id, group_id, points — in member id order (bot/ranking.py ranks them)."""
    params: dict[str, Any] = {"period": period}
    where = _members_where(branch_id, group_id, params)
    return store.query(
        f"SELECT m.id, m.name, m.branch_id, m.group_id, {_TOTAL} AS points FROM members m"
        f" WHERE {where} ORDER BY m.id",
        params,
    )


def member_points(
    store: Store, period: str, branch_id: int, group_id: int | None = None
) -> list[dict[str, Any]]:
    """The lean form of `member_totals` for chat: id, group_id, points of every active member
    of a 支部 (or one of its 党小组), in member id order."""
    params: dict[str, Any] = {"period": period}
    where = _members_where(branch_id, group_id, params)
    return store.query(
        f"SELECT m.id, m.group_id, {_TOTAL} AS points FROM members m WHERE {where} ORDER BY m.id",
        params,
    )


def place_among_members(
    store: Store, period: str, member_id: int, branch_id: int, group_id: int | None = None
) -> tuple[int, int] | None:
    """(place, of how many) of a member among the active members of a 支部 (or one of its
    党小组) by points in the period — one more than the number with more points, as
    bot/ranking.py `rank` places them — or None when the member is not among them. Counted
    in the database: no row per member comes back (我的积分 asks it on every call)."""
    params: dict[str, Any] = {"period": period, "me": member_id}
    where = _members_where(branch_id, group_id, params)
    row = store.one(
        "SELECT COUNT(*) AS n, MAX(CASE WHEN m.id = :me THEN 1 ELSE 0 END) AS found,"
        f" SUM(CASE WHEN {_TOTAL} > mine.points THEN 1 ELSE 0 END) AS ahead"
        " FROM members m, (SELECT COALESCE(SUM(s.amount), 0) AS points FROM point_sums s"
        " WHERE s.member_id = :me AND s.period = :period) mine"
        f" WHERE {where}",
        params,
    )
    if row is None or not row["found"]:
        return None
    return 1 + int(row["ahead"] or 0), int(row["n"])


def names(store: Store, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = store.query("SELECT id, name FROM members WHERE id IN :ids", {"ids": ids})
    return {int(r["id"]): str(r["name"]) for r in rows}


def group_totals(store: Store, period: str, branch_id: int | None = None) -> list[dict[str, Any]]:
    """Every 党小组 (of a 支部) with its active members and their points in the period: id,
    name, branch_id, members, points — in group id order. Groups without active members are
    left out."""
    sql = "SELECT id, name, branch_id FROM party_groups"
    params: dict[str, Any] = {}
    if branch_id is not None:
        sql += " WHERE branch_id = :branch_id"
        params["branch_id"] = branch_id
    totals: dict[int, list[int]] = {}
    for r in member_totals(store, period, branch_id=branch_id):
        if r["group_id"] is not None:
            totals.setdefault(int(r["group_id"]), []).append(int(r["points"]))
    return [
        {**g, "members": len(t), "points": sum(t)}
        for g in store.query(sql + " ORDER BY id", params)
        if (t := totals.get(int(g["id"])))
    ]


def branch_totals(store: Store, period: str) -> list[dict[str, Any]]:
    """Every 支部 with its active members and their points in the period."""
    totals: dict[int, list[int]] = {}
    for r in member_totals(store, period):
        totals.setdefault(int(r["branch_id"]), []).append(int(r["points"]))
    return [
        {**b, "members": len(t), "points": sum(t)}
        for b in store.query("SELECT id, name FROM branches ORDER BY id")
        if (t := totals.get(int(b["id"])))
    ]


def ranking(
    store: Store, level: str, period: str, branch_id: int | None = None
) -> list[dict[str, Any]]:
    """Totals of a period for level 'member', 'group' or 'branch' (unranked: see bot/ranking)."""
    if level == "member":
        return member_totals(store, period, branch_id=branch_id)
    if level == "group":
        return group_totals(store, period, branch_id=branch_id)
    if level == "branch":
        rows = branch_totals(store, period)
        return [r for r in rows if branch_id is None or int(r["id"]) == branch_id]
    raise ValueError(f"unknown level {level!r}")


def active_members(store: Store, period: str, branch_id: int) -> int:
    """Active members of a 支部 who earned points by a rule (not an adjustment) in the period."""
    return int(
        store.scalar(
            "SELECT COUNT(*) FROM members m WHERE m.branch_id = :branch_id AND m.active = 1"
            " AND EXISTS (SELECT 1 FROM point_sums s WHERE s.member_id = m.id"
            " AND s.period = :period AND s.rule <> :adjust AND s.n > 0)",
            {"period": period, "branch_id": branch_id, "adjust": ADJUST},
        )
    )


def by_rule(store: Store, period: str) -> list[dict[str, Any]]:
    """member_id, rule, amount, n of every member with points in the period (reports)."""
    return store.query(
        "SELECT member_id, rule, amount, n FROM point_sums WHERE period = :period",
        {"period": period},
    )


def adjustments(
    store: Store, start: str, end: str, branch_id: int | None = None
) -> list[dict[str, Any]]:
    """Adjustments between two days (inclusive), oldest first, with who made them."""
    sql = (
        "SELECT p.id, p.day, p.amount, p.note AS reason, p.at, p.granted_via,"
        " m.id AS member_id, m.name, m.phone, b.name AS branch, g.name AS party_group,"
        " gb.name AS granted_by"
        " FROM points p JOIN members m ON m.id = p.member_id"
        " JOIN branches b ON b.id = m.branch_id"
        " LEFT JOIN party_groups g ON g.id = m.group_id"
        " LEFT JOIN members gb ON gb.id = p.granted_by"
        " WHERE p.kind = :adjust AND p.day >= :start AND p.day <= :end"
    )
    params: dict[str, Any] = {"adjust": ADJUST, "start": start, "end": end}
    if branch_id is not None:
        sql += " AND m.branch_id = :branch_id"
        params["branch_id"] = branch_id
    return store.query(sql + " ORDER BY p.day, p.id", params)
