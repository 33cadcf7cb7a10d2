"""打卡: today's study check-in (once a day, Asia/Shanghai), and 心得."""

from __future__ import annotations

from bot.dialog.types import Context
from bot.text import shorten
from storage import checkins, points

CHECKIN_POINTS = 1
REFLECTION_POINTS = 1
REFLECTION_MAX = 500


def checkin(ctx: Context, args: str) -> str:
    member = ctx.member
    assert member is not None  # the intent table requires a member
    study = ctx.services.study.for_day(ctx.today)
    added = checkins.add(ctx.store, member.id, ctx.today, ctx.stamp, study.id if study else None)
    streak = checkins.streak(ctx.store, member.id, ctx.today)
    if not added:
        return f"今天已经打过卡啦，已连续学习 {streak} 天，明天记得再来！" + (
            f"\n今日学习：{study.title}" if study else ""
        )
    points.award(
        ctx.store, member.id, ctx.today, "checkin", ctx.today, CHECKIN_POINTS, ctx.stamp, "学习打卡"
    )
    head = f"打卡成功！已连续学习 {streak} 天，积分 +{CHECKIN_POINTS}。"
    return head + ("\n" + study.render() if study else "")


def reflection(ctx: Context, args: str) -> str:
    member = ctx.member
    assert member is not None
    text = args.strip()
    if len(text) < 5:
        return "请在「心得」后面写下你的学习体会（至少5个字），例如：心得 今天学习了三会一课制度……"
    checkins.add_reflection(
        ctx.store, member.id, ctx.today, shorten(text, REFLECTION_MAX), ctx.stamp
    )
    new = points.award(
        ctx.store,
        member.id,
        ctx.today,
        "reflection",
        ctx.today,
        REFLECTION_POINTS,
        ctx.stamp,
        "学习心得",
    )
    tail = f"积分 +{REFLECTION_POINTS}。" if new else "（心得积分每天计一次）"
    return f"心得已记录，谢谢分享！{tail}"
