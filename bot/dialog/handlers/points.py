"""我的积分 and 排行: points by month, quarter and year; member, 党小组 and 支部 rankings."""

from __future__ import annotations

from bot import ranking as ranks
from bot.dialog.types import Context
from bot.periods import keys_of
from storage import points

KIND_NAMES = {
    "checkin": "学习打卡",
    "quiz": "每日答题",
    "meeting": "会议出勤",
    "reflection": "学习心得",
}


def mine(ctx: Context, args: str) -> str:
    member = ctx.member
    assert member is not None
    month, quarter, year = keys_of(ctx.today)
    spans = {"本月": month, "本季": quarter, "本年": year}
    totals = {name: points.total(ctx.store, member.id, key) for name, key in spans.items()}
    kinds = points.sums(ctx.store, member.id, [month]).get(month, {})
    detail = "、".join(f"{KIND_NAMES.get(k, k)} {v}" for k, v in sorted(kinds.items()))
    branch_rows = ranks.rank(
        points.ranking(ctx.store, "member", month, branch_id=member.branch_id), ranks.points
    )
    place = ranks.place_of(branch_rows, lambda r: r["id"] == member.id)
    lines = [
        f"{member.name}的积分：本月 {totals['本月']} 分，本季 {totals['本季']} 分，本年 {totals['本年']} 分。",
    ]
    if detail:
        lines.append(f"本月明细：{detail}。")
    lines.append(f"本月在{member.branch}排第 {place} 名（共 {len(branch_rows)} 人）。")
    return "\n".join(lines)


def ranking(ctx: Context, args: str) -> str:
    member = ctx.member
    assert member is not None
    month = keys_of(ctx.today)[0]
    rows = ranks.rank(
        points.ranking(ctx.store, "member", month, branch_id=member.branch_id), ranks.points
    )
    lines = [f"{member.branch}本月积分排行："]
    for p in rows[:10]:
        lines.append(f"{p.place}. {p.item['name']} {p.item['points']}分")
    me = ranks.place_of(rows, lambda r: r["id"] == member.id)
    if me is not None and all(p.item["id"] != member.id for p in rows[:10]):
        lines.append(f"……你排第 {me} 名。")
    groups = ranks.rank(
        points.ranking(ctx.store, "group", month, branch_id=member.branch_id), ranks.per_member
    )
    if groups:
        lines.append(
            "党小组（人均）："
            + "；".join(
                f"{p.place}. {p.item['name']} {float(ranks.per_member(p.item)):.1f}" for p in groups
            )
        )
    return "\n".join(lines)
