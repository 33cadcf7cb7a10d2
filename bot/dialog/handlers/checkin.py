"""打卡: today's study check-in (once a day, Asia/Shanghai), and 心得."""

from __future__ import annotations

from bot.dialog.types import Context
from bot.points import ledger, reflections
from bot.text import shorten, typed_after
from storage import checkins

REFLECTION_MAX = 1000


def checkin(ctx: Context, args: str) -> str:
    member = ctx.member
    assert member is not None  # the intent table requires a member
    study = ctx.services.study.for_day(ctx.today)
    # A second 打卡 of the day only reads (the intent is tried on the read path first): one
    # query tells whether today is done and the streak so far.
    days = checkins.days_before(ctx.store, member.id, ctx.today)
    done = bool(days) and days[0] == ctx.today
    added = not done and checkins.add(
        ctx.store, member.id, ctx.today, ctx.stamp, study.id if study else None
    )
    if added:
        days.insert(0, ctx.today)
    elif not done:  # (checked in by another message meanwhile)
        days = checkins.days_before(ctx.store, member.id, ctx.today)
    streak = checkins.consecutive_days(days, ctx.today)
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
    """心得 内容: accepted when long enough and the member's own words (bot/points/reflections)."""
    member = ctx.member
    assert member is not None
    text = typed_after(ctx.inbound.text, "心得", args) if args else ""
    if not text:
        return (
            f"请在「心得」后面写下你的学习体会（至少{reflections.MIN_CHARS}个字），"
            "例如：心得 今天学习了三会一课制度，我认为……"
        )
    study = ctx.services.study.for_day(ctx.today)
    verdict = reflections.check(
        ctx.store, member.id, text, f"{study.title}{study.body}" if study else ""
    )
    if not verdict.ok:
        return _refusal(verdict)
    rid = reflections.record(
        ctx.store, member.id, ctx.today, shorten(text, REFLECTION_MAX), ctx.stamp
    )
    credits = ledger.earn(
        ctx.store, ctx.services.points, member.id, "reflection", f"r{rid}", ctx.today, ctx.stamp
    )
    gained = ledger.total(credits)
    if gained:
        return f"心得已记录，谢谢分享！积分 +{gained}。"
    if any(c.capped for c in credits):
        return "心得已记录，谢谢分享！（心得积分已达今天或本月的上限）"
    return "心得已记录，谢谢分享！"


def _refusal(verdict: reflections.Verdict) -> str:
    percent = f"{verdict.share:.0%}"
    if verdict.reason == "too_short":
        return (
            f"心得至少要写{reflections.MIN_CHARS}个字（现在{verdict.chars}个字，不算标点）。"
            "写写学了什么、有什么体会、准备怎么做。"
        )
    if verdict.reason == "study":
        return f"这篇心得和今天的学习内容重合太多（{percent}），请用自己的话谈谈体会。"
    if verdict.reason == "own":
        day = f"{int(verdict.day[5:7])}月{int(verdict.day[8:10])}日" if verdict.day else "之前"
        return f"这篇心得和你{day}写的心得重合太多（{percent}），请写写新的体会。"
    return f"这篇心得和其他同志的心得重合太多（{percent}），请用自己的话写。"
