"""我的积分 and 排行 (read-only): today's points per rule against its cap, month / quarter /
year, place in the 党小组; the 党小组 ranking of the 支部 by points per member. The figures
come from bot/points/standings.py (per-period sums, bot/ranking.py places)."""

from __future__ import annotations

from bot import ranking as ranks
from bot.dialog.types import Context
from bot.periods import month_of
from bot.points import standings, stars
from storage import members, pioneers
from storage import points as ledger


def mine(ctx: Context, args: str) -> str:
    member = ctx.member
    assert member is not None
    store, rules, day = ctx.store, ctx.services.points, ctx.today
    with store.read():
        items = standings.today_items(store, rules, member.id, day)
        totals = standings.totals(store, member.id, day)
        place = standings.group_place(store, member, month_of(day).key)
        posts = pioneers.of_member(store, member.id)
        star_line = stars.my_stars(store, rules, member, totals["本季"], totals["本年"])
    lines = [
        f"{member.name}的积分：本月 {totals['本月']} 分，本季 {totals['本季']} 分，"
        f"本年 {totals['本年']} 分。"
    ]
    if items:
        lines.append(f"今天：{standings.render_today(items)}。")
    if place is not None:
        where = member.group or member.branch
        lines.append(f"本月在{where}排第 {place[0]} 名（共 {place[1]} 人）。")
    lines.append(star_line)
    for post in posts:
        lines.append(f"党员{post['kind']}：{post['title']}")
    return "\n".join(lines)


def ranking(ctx: Context, args: str) -> str:
    member = ctx.member
    assert member is not None
    store = ctx.store
    month = month_of(ctx.today)
    with store.read():
        rows = ledger.member_points(store, month.key, member.branch_id)
        groups = standings.groups_from(rows, members.groups(store, member.branch_id))
        people = ranks.rank(rows, ranks.points)
        top = standings.visible_top(people)
        names = ledger.names(store, [int(p.item["id"]) for p in top])
    lines = [f"{member.branch}{month.short}党小组排行（人均积分）："]
    for p in groups:
        mark = "（你所在）" if p.item["id"] == member.group_id else ""
        lines.append(
            f"{p.place}. {p.item['name']} {standings.per_member_text(p.item)} 分"
            f"（{p.item['members']}人）{mark}"
        )
    if not groups:
        lines.append("（还没有党小组）")
    if top:
        lines.append(
            "本月前列："
            + "；".join(f"{p.place}. {names[int(p.item['id'])]} {p.item['points']}分" for p in top)
        )
    mine = standings.place_in(people, member.id)
    if mine is not None:
        own = next(int(p.item["points"]) for p in people if p.item["id"] == member.id)
        lines.append(f"你本月 {own} 分，在{member.branch}排第 {mine[0]} 名（共 {mine[1]} 人）。")
    return "\n".join(lines)
