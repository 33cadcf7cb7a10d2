"""打卡: today's study check-in (once a day, Asia/Shanghai), and 心得."""

from __future__ import annotations

from bot.dialog.types import Context
from bot.points import ledger
from bot.text import shorten
from storage import checkins

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
    gained = ledger.total(
        ledger.earn(
            ctx.store, ctx.services.points, member.id, "checkin", ctx.today, ctx.today, ctx.stamp
        )
    )
    head = f"打卡成功！已连续学习 {streak} 天" + (f"，积分 +{gained}。" if gained else "。")
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
    gained = ledger.total(
        ledger.earn(
            ctx.store, ctx.services.points, member.id, "reflection", ctx.today, ctx.today, ctx.stamp
        )
    )
    tail = f"积分 +{gained}。" if gained else "（心得积分每天计一次）"
    return f"心得已记录，谢谢分享！{tail}"
