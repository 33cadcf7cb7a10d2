"""Standings from the per-period sums: a member's totals and place, 党小组 rankings by points
per member, and the privacy rules of what a member may see of others.

Everything reads `point_sums` (a few rows per member and period, kept on write), never a
period's ledger rows, so 我的积分 and 排行 cost the same in December as in January. Places
come from bot/ranking.py (ties share a place; 党小组 by points per member, exactly).

What a member sees of others (排行): names only from the top — places 1 to 10, and only in
the upper half of the 支部 (a small 支部 never shows its bottom by name) and only with points
above 0; never anyone else's exact total below the top 10; their own place always.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot import ranking
from bot.periods import keys_of
from bot.points.rules import Rules
from storage import points as ledger
from storage.db import Store
from storage.members import Member

TOP = 10


@dataclass(frozen=True)
class TodayItem:
    name: str
    got: int
    cap: int | None  # the daily cap of the version in force (None: no cap)


def today_items(store: Store, rules: Rules, member_id: int, day: str) -> list[TodayItem]:
    """Today's points per rule: every rule with a daily cap in force today (got / cap), and any
    other rule the member earned points under today."""
    got = ledger.day_by_rule(store, member_id, day)
    out: list[TodayItem] = []
    date = dt.date.fromisoformat(day)  # (once, not once per rule)
    for rule in rules.rules:
        version = rule.version_on(date)
        if version is not None and version.daily_cap is not None and version.points > 0:
            out.append(TodayItem(rule.name, got.get(rule.key, 0), version.daily_cap))
        elif got.get(rule.key):
            out.append(TodayItem(rule.name, got[rule.key], None))
    for key, amount in got.items():
        if rules.rule(key) is None and amount:
            out.append(TodayItem(rules.name_of(key), amount, None))
    return out


def render_today(items: list[TodayItem]) -> str:
    return "，".join(
        f"{i.name} {i.got}/{i.cap}" if i.cap is not None else f"{i.name} {i.got:+d}" for i in items
    )


def totals(store: Store, member_id: int, day: str) -> dict[str, int]:
    """本月, 本季, 本年 totals of a member (from the sums)."""
    month, quarter, year = keys_of(day)
    sums = ledger.sums(store, member_id, [month, quarter, year])
    return {
        name: sum(sums.get(key, {}).values())
        for name, key in (("本月", month), ("本季", quarter), ("本年", year))
    }


def member_ranking(
    store: Store, period: str, branch_id: int | None = None, group_id: int | None = None
) -> list[ranking.Placed[dict[str, Any]]]:
    return ranking.rank(
        ledger.member_totals(store, period, branch_id=branch_id, group_id=group_id),
        ranking.points,
    )


def place_in(
    ranked: list[ranking.Placed[dict[str, Any]]], member_id: int
) -> tuple[int, int] | None:
    """(place, of how many) of a member, or None when not ranked (deactivated)."""
    place = ranking.place_of(ranked, lambda r: int(r["id"]) == member_id)
    return None if place is None else (place, len(ranked))


def group_place(store: Store, member: Member, period: str) -> tuple[int, int] | None:
    """The member's place in their 党小组 (or 支部 when in none) for a period."""
    return ledger.place_among_members(store, period, member.id, member.branch_id, member.group_id)


def group_ranking(
    store: Store, period: str, branch_id: int
) -> list[ranking.Placed[dict[str, Any]]]:
    """The 党小组 of a 支部 by points per member (a small group is not behind for its size)."""
    return ranking.rank(ledger.group_totals(store, period, branch_id), ranking.per_member)


def groups_from(
    rows: list[dict[str, Any]], groups: list[dict[str, Any]]
) -> list[ranking.Placed[dict[str, Any]]]:
    """`group_ranking` from a 支部's member rows (`member_points`) and its 党小组 (id, name):
    the same figures without a second query. Groups without active members are left out."""
    totals: dict[int, list[int]] = {}
    for r in rows:
        if r["group_id"] is not None:
            totals.setdefault(int(r["group_id"]), []).append(int(r["points"]))
    out = [
        {"id": int(g["id"]), "name": g["name"], "members": len(t), "points": sum(t)}
        for g in groups
        if (t := totals.get(int(g["id"])))
    ]
    return ranking.rank(out, ranking.per_member)


def visible_top(
    ranked: list[ranking.Placed[dict[str, Any]]], top: int = TOP
) -> list[ranking.Placed[dict[str, Any]]]:
    """Whom a member may see by name with their total: places 1..top, in the upper half of the
    list, with points above 0."""
    half = (len(ranked) + 1) // 2
    return [p for p in ranked if p.place <= min(top, half) and int(p.item["points"]) > 0]


def per_member_text(row: dict[str, Any]) -> str:
    return f"{float(ranking.per_member(row)):.1f}"
