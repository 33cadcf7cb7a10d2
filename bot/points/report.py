"""The 通报 workbook of a period (`dangjian report --period 2026-11|2026Q4|2026 --xlsx FILE`).

Sheets: 党员 (points per rule, check-in days, quizzes and accuracy, meetings, 心得, claims,
commitment, stars, places, 先锋岗), 党小组 (members, active members, participation, points per
member, group-item scores, result, place), 支部汇总, 积分调整 (listed separately) and 说明
(the period, the rules, which ratings are confirmed). Figures come from the ledger's period
sums and one grouped query per activity table; stars, results and places from the period's
rating (the confirmed one when the secretary has confirmed it, else the draft), so they are the
same as `dangjian stars`, 我的积分 and 排行 (bot/ranking.py: ties share a place).

An active member is one who earned points in the period by any rule (adjustments don't
count); the participation rate is active members / members.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from bot import ranking
from bot.clock import stamp
from bot.periods import Period
from bot.points import stars
from bot.points.rules import ADJUST, ADJUST_NAME, Rules
from storage import claims, commitments, group_scores, members, pioneers, reflections, reports
from storage import points as ledger
from storage.db import Store

STATUS = {"open": "未评定", "kept": "已兑现", "broken": "未兑现"}


@dataclass
class Sheet:
    title: str
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    percent: set[int] = field(default_factory=set)  # columns shown as percentages
    decimal: set[int] = field(default_factory=set)  # columns shown with one decimal


@dataclass
class Report:
    period: Period
    sheets: list[Sheet]
    ratings: dict[int, stars.Rating]


def _instant(day: Any, tz: tzinfo) -> str:
    return stamp(datetime.combine(day, time(0, 0), tzinfo=tz))


def build(
    db: Store,
    rules: Rules,
    period: Period,
    today: str,
    tz: tzinfo,
    branch_id: int | None = None,
) -> Report:
    start, end = period.start.isoformat(), period.end.isoformat()
    people = members.all_active(db, branch_id=branch_id)
    branches = [b for b in members.branches(db) if branch_id is None or int(b["id"]) == branch_id]
    rated = {int(b["id"]): stars.rating(db, rules, int(b["id"]), period, today) for b in branches}
    by_rule: dict[int, dict[str, int]] = {}
    active: set[int] = set()
    for r in ledger.by_rule(db, period.key):
        by_rule.setdefault(int(r["member_id"]), {})[r["rule"]] = int(r["amount"])
        if r["rule"] != ADJUST and int(r["n"]):
            active.add(int(r["member_id"]))
    keys = [r.key for r in rules.rules]
    extra = sorted({k for d in by_rule.values() for k in d} - set(keys) - {ADJUST})
    columns = keys + extra + [ADJUST]
    days = reports.checkin_days(db, start, end)
    quiz = reports.quizzes(db, start, end)
    met = reports.meetings_attended(
        db, _instant(period.start, tz), _instant(period.end + timedelta(days=1), tz)
    )
    wrote = reflections.per_member(db, start, end)
    claimed = claims.per_member(db, start, end)
    promised = commitments.of_year(db, str(period.start.year))
    posts: dict[int, list[str]] = {}
    for p in pioneers.in_force(db, branch_id):
        posts.setdefault(int(p["member_id"]), []).append(f"{p['kind']}：{p['title']}")

    star_of: dict[int, stars.MemberRating] = {}
    for branch_rating in rated.values():
        star_of.update({m.member_id: m for m in branch_rating.members})
    places = _live_places(db, period, branch_id) if period.kind == "month" else {}

    member_sheet = Sheet(
        "党员",
        ["支部", "党小组", "姓名", "积分合计"]
        + [rules.name_of(k) if k != ADJUST else ADJUST_NAME for k in columns]
        + ["打卡天数", "完成答题（次）", "答题正确率", "会议出勤（次）", "心得（篇）"]
        + ["申报（件）", "申报通过（件）", "申报积分", "年度承诺", "承诺评定"]
        + (["星级"] if period.kind != "month" else [])
        + ["支部名次", "党小组名次", "先锋岗/责任区"],
    )
    member_sheet.percent.add(member_sheet.header.index("答题正确率"))
    for m in people:
        sums = by_rule.get(m.id, {})
        sets, right, asked = quiz.get(m.id, (0, 0, 0))
        claim = claimed.get(m.id, {})
        promise = promised.get(m.id)
        mine = star_of.get(m.id)
        place = (mine.branch_place, mine.group_place) if mine is not None else places.get(m.id)
        member_sheet.rows.append(
            [m.branch, m.group or "", m.name, sum(sums.values())]
            + [sums.get(k, 0) for k in columns]
            + [days.get(m.id, 0), sets, (right / asked) if asked else None, met.get(m.id, 0)]
            + [wrote.get(m.id, 0), claim.get("made", 0), claim.get("approved", 0)]
            + [claim.get("points", 0)]
            + [promise["text"] if promise else "", STATUS[promise["status"]] if promise else ""]
            + ([mine.stars if mine is not None else 0] if period.kind != "month" else [])
            + [place[0] if place else None, place[1] if place else None]
            + ["；".join(posts.get(m.id, []))]
        )

    group_sheet = Sheet(
        "党小组",
        ["支部", "党小组", "党员数", "活跃党员", "参与率", "积分合计", "人均积分"]
        + [i.name for i in rules.group_items]
        + ["小组评分合计", "评分满分", "总分", "名次"],
    )
    group_sheet.percent.add(4)
    group_sheet.decimal.update({6, len(group_sheet.header) - 2})
    item_sums = _item_sums(db, period)
    in_group: dict[int, list[int]] = {}
    for m in people:
        if m.group_id is not None:
            in_group.setdefault(m.group_id, []).append(m.id)
    for b in branches:
        for g in rated[int(b["id"])].groups:
            ids = in_group.get(g.group_id, [])
            n_active = sum(1 for i in ids if i in active)
            items = item_sums.get(g.group_id, {})
            group_sheet.rows.append(
                [b["name"], g.name, g.members, n_active, n_active / g.members if g.members else 0]
                + [g.points, round(g.per_member, 1)]
                + [items.get(i.key, 0) for i in rules.group_items]
                + [g.items_total, g.items_max, round(g.score, 1), g.place]
            )

    branch_sheet = Sheet(
        "支部汇总",
        ["支部", "党员数", "活跃党员", "参与率", "积分合计", "人均积分", "打卡（人次）"]
        + ["完成答题（次）", "答题正确率", "会议出勤（人次）", "心得（篇）", "申报通过（件）"]
        + ["先锋岗", "责任区", "名次", "评定"],
    )
    branch_sheet.percent.update({3, 8})
    branch_sheet.decimal.add(5)
    totals = []
    for b in branches:
        ids = [m.id for m in people if m.branch_id == int(b["id"])]
        points = sum(sum(by_rule.get(i, {}).values()) for i in ids)
        right = sum(quiz.get(i, (0, 0, 0))[1] for i in ids)
        asked = sum(quiz.get(i, (0, 0, 0))[2] for i in ids)
        kinds = [p for i in ids for p in posts.get(i, [])]
        rating = rated[int(b["id"])]
        totals.append({"id": int(b["id"]), "points": points, "members": len(ids)})
        branch_sheet.rows.append(
            [b["name"], len(ids), sum(1 for i in ids if i in active)]
            + [sum(1 for i in ids if i in active) / len(ids) if ids else 0, points]
            + [round(points / len(ids), 1) if ids else 0, sum(days.get(i, 0) for i in ids)]
            + [sum(quiz.get(i, (0, 0, 0))[0] for i in ids), (right / asked) if asked else None]
            + [sum(met.get(i, 0) for i in ids), sum(wrote.get(i, 0) for i in ids)]
            + [sum(claimed.get(i, {}).get("approved", 0) for i in ids)]
            + [
                sum(1 for k in kinds if k.startswith("先锋岗")),
                sum(1 for k in kinds if k.startswith("责任区")),
            ]
            + [None, _state(rating, tz)]
        )
    place_of = {p.item["id"]: p.place for p in ranking.rank(totals, ranking.per_member)}
    for row, t in zip(branch_sheet.rows, totals, strict=True):
        row[-2] = place_of[t["id"]]

    adjust_sheet = Sheet(
        "积分调整", ["日期", "支部", "党小组", "党员", "分数", "原因", "经办人", "方式"]
    )
    for a in ledger.adjustments(db, start, end, branch_id):
        adjust_sheet.rows.append(
            [a["day"], a["branch"], a["party_group"] or "", a["name"], int(a["amount"])]
            + [a["reason"], a["granted_by"] or "", a["granted_via"]]
        )

    notes = Sheet("说明", ["项目", "内容"])
    notes.rows += [
        ["周期", f"{period.label}（{start} 至 {end}）"],
        ["积分规则", rules.source],
        [
            "党小组总分",
            f"人均积分（本支部最高者为100）占{_share(rules)}%，小组评分占{100 - _share(rules)}%",
        ],
        ["星级门槛（季度）", "、".join(str(n) for n in rules.stars["quarter"])],
        ["星级门槛（年度）", "、".join(str(n) for n in rules.stars["year"])],
        ["活跃党员", "期内按规则得过积分的党员（积分调整不算）"],
        ["名次", "同分同名次（1、2、2、4）；党小组、支部按人均"],
    ]
    for b in branches:
        notes.rows.append([f"{b['name']}评定", _state(rated[int(b["id"])], tz)])
    sheets = [member_sheet, group_sheet, branch_sheet, adjust_sheet, notes]
    return Report(period, sheets, rated)


def _share(rules: Rules) -> int:
    return round(100 * rules.points_weight / (rules.points_weight + rules.items_weight))


def _state(rating: stars.Rating, tz: tzinfo) -> str:
    from bot.clock import show_stamp

    if rating.confirmed_at:
        moved = f"，此后{rating.moved_text}积分有变动，不影响评定" if rating.moved else ""
        return f"已于 {show_stamp(rating.confirmed_at, tz)} 确认{moved}"
    return "草稿（未确认）"


def _item_sums(db: Store, period: Period) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for gid, months in group_scores.of_months(db, [m.key for m in period.months()]).items():
        for scores in months.values():
            for key, value in scores.items():
                out.setdefault(gid, {})[key] = out.get(gid, {}).get(key, 0) + value
    return out


def _live_places(
    db: Store, period: Period, branch_id: int | None
) -> dict[int, tuple[int, int | None]]:
    """(place in 支部, place in 党小组) from the sums, for periods without star ratings."""
    rows = ledger.member_totals(db, period.key, branch_id=branch_id)
    out: dict[int, tuple[int, int | None]] = {}
    by_branch: dict[int, list[dict[str, Any]]] = {}
    by_group: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        by_branch.setdefault(int(r["branch_id"]), []).append(r)
        if r["group_id"] is not None:
            by_group.setdefault(int(r["group_id"]), []).append(r)
    group_place = {
        int(p.item["id"]): p.place
        for people in by_group.values()
        for p in ranking.rank(people, ranking.points)
    }
    for people in by_branch.values():
        for p in ranking.rank(people, ranking.points):
            out[int(p.item["id"])] = (p.place, group_place.get(int(p.item["id"])))
    return out


# -- the workbook -----------------------------------------------------------------------------


def width(value: Any) -> int:
    """Display width of a cell: CJK and full-width characters count twice."""
    if value is None:
        return 0
    text = f"{value:.1%}" if isinstance(value, float) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_xlsx(report: Report, path: Path) -> None:
    """The workbook, written in openpyxl's write-only mode (rows stream to the file)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from bot.spreadsheet import append_row

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in report.sheets:
        ws = wb.create_sheet(sheet.title)
        widths = [width(h) for h in sheet.header]
        for row in sheet.rows:
            for n, value in enumerate(row):
                widths[n] = max(widths[n], width(value))
        for n, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(n)].width = min(max(w, 4), 60) + 2
        ws.freeze_panes = "A2"
        header = []
        for name in sheet.header:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        formats = {n: "0.0%" for n in sheet.percent} | {n: "0.0" for n in sheet.decimal}
        for row in sheet.rows:
            values: list[object] = list(row)
            for n, fmt in formats.items():
                if values[n] is not None:
                    cell = WriteOnlyCell(ws, value=values[n])
                    cell.number_format = fmt
                    values[n] = cell
            append_row(ws, values)
    wb.save(path)
