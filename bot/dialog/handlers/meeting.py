"""三会一课 meetings in chat: 会议 (secretaries), 签到 and 请假 (members), 出勤 (secretaries).

  会议 支部党员大会 周五 15:00 三楼会议室          creates it, notifies, replies with the code
  会议 党小组会 专卖党小组 12月11日 15:00 地点     one 党小组 (default: the secretary's own)
  签到 1234                                       from 30 min before to 30 min after the start
  请假 原因 / 请假 2 原因                           before the start (the number picks one of
                                                  several upcoming meetings)
  出勤                                            应到 / 实到 / 请假 / 缺席 for the latest meeting
The rules live in bot/meetings.py.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot import meetings
from bot.dialog.handlers.broadcast import original_args
from bot.dialog.types import Context, Reply
from bot.when import WhenError, examples, parse_when, show
from storage import members

MAX_AHEAD = timedelta(days=366)
_CODE = re.compile(r"^\d{4}$")
_LEAVE_QUESTION = re.compile(r"^(怎么|如何|怎样|流程|制度|条|需要|要)")


def usage(ctx: Context) -> str:
    return (
        "安排会议的格式：会议 类型 日期 时间 地点，例如：\n会议 支部党员大会 周五 15:00 三楼会议室\n"
        "类型：" + "、".join(meetings.TYPES) + "。党小组会可写上党小组名称。\n"
        f"时间可以写：{examples(ctx.now)}。"
    )


def create(ctx: Context, args: str) -> Reply | str | None:
    member = ctx.member
    assert member is not None
    if not args:
        return usage(ctx)
    type_ = next((t for t in meetings.TYPES if args.startswith(t)), None)
    if type_ is None:
        return None  # "会议记录怎么写": a question for the library
    args = original_args(ctx, "会议", args)
    rest = args[len(type_) :].strip(" :：,，")
    group = None
    for g in sorted(members.groups(ctx.store, member.branch_id), key=lambda g: -len(g["name"])):
        if rest.startswith(g["name"]):
            group = g
            rest = rest[len(g["name"]) :].strip(" :：,，")
            break
    try:
        when = parse_when(rest, ctx.now)
    except WhenError as exc:
        return f"{exc}\n{usage(ctx)}"
    if when.at <= ctx.now:
        return (
            f"{show(when.at, now=ctx.now)} 已经过去了，请安排以后的时间，"
            f"例如：{examples(ctx.now)}。"
        )
    if when.at > ctx.now + MAX_AHEAD:
        return "会议最多只能提前一年安排，请检查日期。"
    if type_ == "党小组会" and group is None:
        if member.group_id is None:
            groups = members.groups(ctx.store, member.branch_id)
            first = groups[0]["name"] if groups else "第一党小组"
            return f"请写上是哪个党小组的会，例如：会议 党小组会 {first} 周五 15:00 地点"
        group = {"id": member.group_id, "name": member.group}
    place = when.rest[:60] or "地点待定"
    created = meetings.create(
        ctx.services,
        member.branch_id,
        group["id"] if group else None,
        type_,
        when.at,
        place,
        member.id,
        ctx.now,
    )
    if created.invited == 0:
        return "这个范围里没有党员，会议已记录，但没有通知任何人。"
    scope = created.group or member.branch
    if type_ == "支委会" and group is None:
        scope = f"{member.branch}支委（书记、管理员、党小组长）"
    promised = meetings.reminders_promised(when.at, ctx.now)
    if promised:
        remind = "会前" + "和".join(promised) + "会再提醒"
    else:
        remind = "会议不到1小时就开始，不再另行提醒"
    return (
        f"已安排：{type_} {show(when.at, now=ctx.now)} {place}，已通知{scope} {created.invited} 人，"
        f"{remind}。\n签到码：{created.code}（请在会场公布，"
        f"开始前后30分钟内发送「签到 {created.code}」签到）。"
    )


def sign_in(ctx: Context, args: str) -> Reply | str | None:
    code = args.strip()
    if not _CODE.match(code):
        return None  # "签到怎么用": let the library answer
    assert ctx.member is not None
    return meetings.sign_in(ctx.services, ctx.member, code, ctx.now)


def leave(ctx: Context, args: str) -> Reply | str | None:
    assert ctx.member is not None
    raw = ctx.inbound.text.strip()
    glued = len(raw) > 2 and raw.startswith("请假") and not raw[2].isspace()
    if glued and _LEAVE_QUESTION.match(args):
        return None  # "请假怎么请" / "请假条怎么写": a question
    reason = original_args(ctx, "请假", args).strip()
    return meetings.leave(ctx.services, ctx.member, reason, ctx.now)


def attendance(ctx: Context, args: str) -> Reply | str | None:
    member = ctx.member
    assert member is not None
    row = meetings.latest_for_report(ctx.store, member.branch_id, ctx.now)
    if row is None:
        return "你的支部还没有安排过会议。发送「会议 支部党员大会 周五 15:00 地点」安排一次。"
    return meetings.report(ctx.store, row, ctx.now, ctx.services.clock.tz)
