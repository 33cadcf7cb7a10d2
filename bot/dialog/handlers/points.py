"""我的积分 and 排行: points by month, quarter and year; member, 党小组 and 支部 rankings."""

from __future__ import annotations

from bot.dialog.types import Context
from bot.periods import periods
from storage import points

KIND_NAMES = {
    "checkin": "学习打卡",
    "quiz": "每日答题",
    "meeting": "会议出勤",
    "reflection": "学习心得",
}


def _rank(rows: list[dict[str, object]], key: int) -> int:
    """1 + how many have more points (ties share a place)."""
    mine = next((int(str(r["points"])) for r in rows if r["id"] == key), 0)
    return 1 + sum(1 for r in rows if int(str(r["points"])) > mine)


def mine(ctx: Context, args: str) -> str:
    member = ctx.member
    assert member is not None
    spans = periods(ctx.today)
    totals = {name: points.total(ctx.store, member.id, a, b) for name, (a, b) in spans.items()}
    month = spans["本月"]
    kinds = points.by_kind(ctx.store, member.id, *month)
    detail = "、".join(f"{KIND_NAMES.get(k, k)} {v}" for k, v in sorted(kinds.items()))
    branch_rows = points.ranking(ctx.store, "member", *month, branch_id=member.branch_id)
    lines = [
        f"{member.name}的积分：本月 {totals['本月']} 分，本季 {totals['本季']} 分，本年 {totals['本年']} 分。",
    ]
    if detail:
        lines.append(f"本月明细：{detail}。")
    lines.append(
        f"本月在{member.branch}排第 {_rank(branch_rows, member.id)} 名（共 {len(branch_rows)} 人）。"
    )
    return "\n".join(lines)


def ranking(ctx: Context, args: str) -> str:
    member = ctx.member
    assert member is not None
    month = periods(ctx.today)["本月"]
    rows = points.ranking(ctx.store, "member", *month, branch_id=member.branch_id)
    lines = [f"{member.branch}本月积分排行："]
    for n, r in enumerate(rows[:10], start=1):
        lines.append(f"{n}. {r['name']} {r['points']}分")
    me = _rank(rows, member.id)
    if me > 10:
        lines.append(f"……你排第 {me} 名。")
    groups = points.ranking(ctx.store, "group", *month, branch_id=member.branch_id)
    per_head = sorted(
        ((str(g["name"]), int(g["points"]) / max(int(g["members"]), 1)) for g in groups),
        key=lambda pair: -pair[1],
    )
    if per_head:
        lines.append("党小组（人均）：" + "；".join(f"{name} {avg:.1f}" for name, avg in per_head))
    return "\n".join(lines)
