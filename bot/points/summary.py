"""积分评星 lines of the monthly summary pushed to each 支部's secretaries on the 1st: the same
figures as /board and the report workbook (points per member, participation, 党小组 results
and places from groups.results), in short text."""

from __future__ import annotations

from bot.periods import Period, quarter_of, year_of
from bot.points import groups
from bot.points.rules import Rules
from storage import claims, members, pioneers
from storage import points as ledger
from storage.db import Store

TOP = 5


def _standings(db: Store, rules: Rules, branch_id: int, period: Period, today: str) -> str:
    ranked = groups.results(db, rules, branch_id, period, today)
    shown = "；".join(
        f"{p.place}. {p.item.name} {groups.one_decimal(p.item.score)}" for p in ranked[:TOP]
    )
    more = f"（共 {len(ranked)} 个）" if len(ranked) > TOP else ""
    return shown + more


def month_lines(db: Store, rules: Rules, branch_id: int, month: Period, today: str) -> list[str]:
    people = len(members.all_active(db, branch_id=branch_id))
    total = sum(int(r["points"]) for r in ledger.member_totals(db, month.key, branch_id))
    active = ledger.active_members(db, month.key, branch_id)
    rate = f"{active / people:.0%}" if people else "0%"
    per = f"{total / people:.1f}" if people else "0.0"
    lines = [f"积分：人均 {per} 分，{active}/{people} 人得分（参与率 {rate}）。"]
    standings = _standings(db, rules, branch_id, month, today)
    if standings:
        lines.append(f"党小组{month.short}月积分：{standings}。")
    quarter = quarter_of(month.start)
    if quarter.end == month.end:
        lines.append(f"{quarter.short}季考核：{_standings(db, rules, branch_id, quarter, today)}。")
        lines.append(
            f"{quarter.short}评星可以确认了：dangjian stars --period {quarter.key} --confirm。"
        )
    if month.end == year_of(month.start).end:
        lines.append(
            f"{month.start.year}年度总评：{_standings(db, rules, branch_id, year_of(month.start), today)}。"
        )
    waiting = claims.pending_in(db, branch_id, limit=1000)
    if waiting:
        lines.append(f"待审核的积分申报 {len(waiting)} 件，发送「待审」查看。")
    posts = pioneers.in_force(db, branch_id)
    if posts:
        n_post = sum(1 for p in posts if p["kind"] == "先锋岗")
        lines.append(f"党员先锋岗 {n_post} 个、责任区 {len(posts) - n_post} 个。")
    return lines
