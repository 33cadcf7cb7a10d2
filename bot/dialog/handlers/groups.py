"""小组评分: the secretary scores a 党小组's month on the group items (bot/points/groups.py);
sent alone it shows this month's results of the 支部's 党小组 and how to score."""

from __future__ import annotations

from bot.dialog.types import Context
from bot.periods import month_of
from bot.points import groups
from bot.text import typed_after


def score(ctx: Context, args: str) -> str:
    member = ctx.member
    assert member is not None
    rules = ctx.services.points
    if args.strip():
        text = typed_after(ctx.inbound.text, "小组评分", args)
        return groups.score_in_chat(ctx.store, rules, member, text, ctx.now)
    month = month_of(ctx.today)
    ranked = groups.results(ctx.store, rules, member.branch_id, month, ctx.today)
    lines = [
        f"{member.branch}{month.short}党小组结果（人均积分{rules.points_weight}%＋小组评分{rules.items_weight}%）："
    ]
    for p in ranked:
        g = p.item
        lines.append(
            f"{p.place}. {g.name} {groups.one_decimal(g.score)}"
            f"（人均 {groups.one_decimal(g.per_member)} 分，评分 {g.items_total}/{g.items_max}）"
        )
    lines.append(groups.usage(rules))
    return "\n".join(lines)
