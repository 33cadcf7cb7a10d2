"""三会一课 against the cadence the 支部工作条例 sets: 支委会 (第十二条) and 党小组会 (第十三条,
each 党小组) monthly, 支部党员大会 (第十一条) quarterly. For 党课 the 条例 (第十六条) asks for
lectures "按期" without a number, so 党课 are counted and reported but never listed as missing.
A meeting counts when it is held or scheduled in the period (not cancelled); the report says
which are held and which only scheduled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.clock import parse_stamp, stamp
from storage import meetings, members

MONTHLY = ("支委会", "党小组会")
QUARTERLY = ("支部党员大会",)
COUNTED = ("党课",)  # reported, no cadence in the 条例


def month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


def quarter_bounds(day: date) -> tuple[date, date]:
    first = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first, 1)
    end = date(day.year + (first == 10), (first + 2) % 12 + 1, 1)
    return start, end


def quarter_name(day: date) -> str:
    return f"{day.year}年第{(day.month - 1) // 3 + 1}季度"


@dataclass
class BranchCompliance:
    branch_id: int
    branch: str
    month: date  # first day of the month checked
    quarter: date  # first day of its quarter
    held: dict[str, int] = field(default_factory=dict)  # type -> held in the quarter
    planned: dict[str, int] = field(default_factory=dict)  # type -> scheduled, not yet held
    missing_month: list[str] = field(default_factory=list)
    missing_quarter: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing_month and not self.missing_quarter


def check(store: Any, branch_id: int, day: date, now: datetime) -> BranchCompliance:
    """The 支部's 三会一课 for the month and the quarter containing `day`."""
    branch = next((b for b in members.branches(store) if b["id"] == branch_id), None)
    name = branch["name"] if branch else str(branch_id)
    m_start, m_end = month_bounds(day)
    q_start, q_end = quarter_bounds(day)
    tz = now.tzinfo  # the Clock's: the organization's zone
    assert tz is not None
    rows = meetings.in_branch_between(
        store,
        branch_id,
        stamp(datetime(q_start.year, q_start.month, 1, tzinfo=tz)),
        stamp(datetime(q_end.year, q_end.month, 1, tzinfo=tz)),
    )
    result = BranchCompliance(branch_id, name, m_start, q_start)
    in_month = [
        r for r in rows if m_start <= parse_stamp(r["starts_at"]).astimezone(tz).date() < m_end
    ]
    for r in rows:
        held = parse_stamp(r["starts_at"]) <= now
        bucket = result.held if held else result.planned
        bucket[r["type"]] = bucket.get(r["type"], 0) + 1
    if not any(r["type"] == "支委会" for r in in_month):
        result.missing_month.append("支委会")
    groups = members.groups(store, branch_id)
    covered = {r["group_id"] for r in in_month if r["type"] == "党小组会"}
    if None not in covered:  # a 党小组会 for the whole 支部 covers every group
        for g in groups:
            if g["id"] not in covered:
                result.missing_month.append(f"党小组会（{g['name']}）")
    for type_ in QUARTERLY:
        if not any(r["type"] == type_ for r in rows):
            result.missing_quarter.append(type_)
    return result


def check_all(
    store: Any, day: date, now: datetime, branch: str | None = None
) -> list[BranchCompliance]:
    out = []
    for b in members.branches(store):
        if branch and b["name"] != branch:
            continue
        out.append(check(store, int(b["id"]), day, now))
    return out


def render(c: BranchCompliance) -> str:
    month = f"{c.month.month}月"
    quarter = quarter_name(c.quarter)
    counts = "、".join(
        f"{t} {c.held.get(t, 0)} 次"
        + (f"（另已安排 {c.planned[t]} 次）" if c.planned.get(t) else "")
        for t in (*MONTHLY, *QUARTERLY, *COUNTED)
    )
    lines = [f"{c.branch} 三会一课（{quarter}）：{counts}。"]
    if c.missing_month:
        lines.append(f"{month}还缺：" + "、".join(c.missing_month) + "。")
    else:
        lines.append(f"{month}按月要求已完成（支委会、党小组会）。")
    if c.missing_quarter:
        lines.append("本季度还缺：" + "、".join(c.missing_quarter) + "。")
    else:
        lines.append("本季度按季要求已完成（支部党员大会）。")
    if not c.held.get("党课") and not c.planned.get("党课"):
        lines.append(
            "党课：本季度还没有（条例要求按期上党课，没有规定次数，按上级和本支部的计划）。"
        )
    return "\n".join(lines)
