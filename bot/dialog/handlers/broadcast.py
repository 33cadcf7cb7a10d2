"""发布通知 / 定时通知 with a 确认 step (支部书记 and 管理员; the intent table enforces the role).

  发布通知 内容                     preview with the number of recipients in the secretary's 支部
  发布通知 第二党小组 内容           the same for one 党小组 of the 支部
  定时通知 明天 09:00 内容           the same, sent at that time (times: bot/when.py)
  确认 / 取消                       sends (or schedules) / drops the notice waiting in the session

A preview waits only for the secretary's very next message: anything other than 确认 / 取消
drops it (the reply to that message says so), and 确认 with nothing waiting says so too.

After sending, the secretary gets a delivery summary once every row is final
(bot/notices.summarize_finished).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from bot import notices
from bot.clock import parse_stamp, stamp
from bot.dialog.types import Context, Reply
from bot.text import command_form, normalize, shorten
from bot.when import WhenError, examples, parse_when, show
from storage import broadcasts, members

STATE = "broadcast"
PREVIEW_TTL = timedelta(minutes=30)
MAX_AHEAD = timedelta(days=366)
CONFIRM = frozenset({"确认", "确定", "确认发送", "发送", "ok", "好"})
CANCEL = frozenset({"取消", "不发了", "放弃", "算了"})
_QUESTION = re.compile(r"^(怎么|如何|怎样|是什么|什么|的格式|格式|用法)")
USAGE = (
    "请在「发布通知」后面写上通知内容，例如：\n发布通知 周五下午3点在三楼会议室召开支部党员大会。\n"
    "只发给一个党小组：发布通知 {group} 内容"
)
DROPPED = "（刚才的通知预览已作废，没有发出。要发送请重新发布。）"
NOTHING_PENDING = "现在没有等待确认的通知，什么也没有发出。要发通知，请发送「发布通知 内容」。"


def schedule_usage(ctx: Context) -> str:
    return (
        f"定时通知的格式：定时通知 时间 通知内容，例如：定时通知 明天 09:00 请按时参加学习。\n"
        f"时间可以写：{examples(ctx.now)}。"
    )


def original_args(ctx: Context, word: str, args: str) -> str:
    """The text after the command word exactly as the member typed it (full-width punctuation,
    case and trailing punctuation kept). Falls back to the normalized `args`."""
    raw = ctx.inbound.text.strip()
    for end in range(1, min(len(raw), len(word) + 4) + 1):
        if normalize(raw[:end]) == word:
            rest = raw[end:].lstrip(" \u3000:：,，")
            return rest.strip() if command_form(rest).lstrip(" :：,，") == args else args
    return args


def _split_group(ctx: Context, text: str) -> tuple[dict[str, Any] | None, str]:
    """A 党小组 of the secretary's 支部 named at the start of the text, and the rest."""
    assert ctx.member is not None
    groups = sorted(members.groups(ctx.store, ctx.member.branch_id), key=lambda g: -len(g["name"]))
    for g in groups:
        if text.startswith(g["name"]):
            return g, text[len(g["name"]) :].lstrip(" :：,，")
    return None, text


def _looks_like_question(ctx: Context, word: str, args: str) -> bool:
    raw = ctx.inbound.text.strip()
    glued = not raw[len(word) : len(word) + 1].isspace() if raw.startswith(word) else False
    return glued and bool(_QUESTION.match(args))


def _preview(ctx: Context, text: str, at: datetime | None) -> Reply | str:
    member = ctx.member
    assert member is not None
    group, body = _split_group(ctx, text)
    body = body.strip()
    if not body:
        return "通知内容是空的，请在后面写上要通知的内容。"
    if len(body) > notices.MAX_TEXT:
        return f"通知太长了（{len(body)} 字），请控制在 {notices.MAX_TEXT} 字以内。"
    group_id = group["id"] if group else None
    count = len(notices.recipients(ctx.store, member.branch_id, group_id))
    if count == 0:
        return "这个范围里没有党员，通知不会发给任何人。"
    ctx.state[STATE] = {
        "text": body,
        "group_id": group_id,
        "at": stamp(at) if at else None,
        "created": ctx.stamp,
    }
    who = notices.audience(member.branch, group["name"] if group else None)
    when = f"将于 {show(at, now=ctx.now)} 发给" if at else "将发给"
    return (
        f"【通知预览】{when}{who} {count} 人：\n{body}\n"
        f"回复「确认」{'定时发送' if at else '发送'}，回复「取消」放弃。"
    )


def compose(ctx: Context, args: str) -> Reply | str | None:
    if not args:
        assert ctx.member is not None
        groups = members.groups(ctx.store, ctx.member.branch_id)
        return USAGE.format(group=groups[0]["name"] if groups else "第一党小组")
    if _looks_like_question(ctx, "发布通知", args):
        return None
    return _preview(ctx, original_args(ctx, "发布通知", args), None)


def schedule(ctx: Context, args: str) -> Reply | str | None:
    if not args:
        return schedule_usage(ctx)
    if _looks_like_question(ctx, "定时通知", args):
        return None
    try:
        when = parse_when(original_args(ctx, "定时通知", args), ctx.now)
    except WhenError as exc:
        return f"{exc}\n{schedule_usage(ctx)}"
    if when.at <= ctx.now:
        return (
            f"{show(when.at, now=ctx.now)} 已经过去了，请换一个以后的时间，"
            f"例如：{examples(ctx.now)}。"
        )
    if when.at > ctx.now + MAX_AHEAD:
        return "定时通知最多只能提前一年安排，请检查日期。"
    if not when.rest:
        return f"请在时间后面写上通知内容。\n{schedule_usage(ctx)}"
    return _preview(ctx, when.rest, when.at)


def on_state(ctx: Context, text: str) -> Reply | str | None:
    pending = ctx.state.pop(STATE, None)
    if pending is None:
        return None
    if text in CANCEL:
        return "已取消，这条通知没有发出。"
    if text not in CONFIRM:
        # The preview waited for this very message: anything else drops it, and says so.
        ctx.notes.append(DROPPED)
        return None
    member = ctx.member
    if member is None or not member.is_secretary:
        return "只有支部书记或管理员可以发布通知。"
    try:
        created = parse_stamp(str(pending["created"]))
        body = str(pending["text"])
        group_id = pending.get("group_id")
        at = parse_stamp(pending["at"]) if pending.get("at") else None
    except (KeyError, TypeError, ValueError):
        return "这条通知预览已失效，请重新发布。"
    if ctx.now - created > PREVIEW_TTL:
        return "这条通知预览已超过30分钟，为避免误发已作废，请重新发布。"
    if at is not None:
        if at <= ctx.now:
            return f"{show(at, ctx.services.clock.tz)} 已经过去了，请重新安排定时通知。"
        bid = notices.schedule(
            ctx.services, member.branch_id, group_id, member.id, body, at, ctx.now
        )
        count = len(notices.recipients(ctx.store, member.branch_id, group_id))
        return (
            f"已安排（编号 {bid}）：{show(at, ctx.services.clock.tz, ctx.now)} 发给 {count} 人。"
            "发送后会告诉你送达情况。"
            f"\n要撤回，发送「撤回通知 {bid}」。"
        )
    bid, count = notices.send_now(
        ctx.services, member.branch_id, group_id, member.id, body, ctx.now
    )
    return f"通知已发出（编号 {bid}），共 {count} 人。全部送达后会告诉你送达情况。"


def nothing_pending(ctx: Context, args: str) -> Reply | str | None:
    """确认 with no preview waiting (on_state answers when one is)."""
    return NOTHING_PENDING


def cancel(ctx: Context, args: str) -> Reply | str | None:
    """撤回通知 [编号]: drop a scheduled notice of the secretary's 支部 before it goes out;
    without a number, list the ones still waiting."""
    member = ctx.member
    assert member is not None  # the intent table requires a secretary
    number = args.strip().lstrip("#＃")
    if not number:
        waiting = [
            b
            for b in broadcasts.recent(ctx.store, member.branch_id, 50)
            if b["status"] == "scheduled"
        ]
        if not waiting:
            return "本支部没有待发送的定时通知。"
        lines = ["待发送的定时通知（发送「撤回通知 编号」撤回）："]
        for b in reversed(waiting):
            when = show(parse_stamp(str(b["send_at"])), ctx.services.clock.tz, ctx.now)
            lines.append(f"{b['id']}. {when} {shorten(str(b['text']), 20)}")
        return "\n".join(lines)
    if not number.isdigit():
        return None  # "撤回通知怎么用" and the like: let the library answer
    row = broadcasts.get(ctx.store, int(number))
    if row is None or row["branch_id"] != member.branch_id:
        return f"本支部没有编号为 {number} 的通知。发送「撤回通知」查看待发送的定时通知。"
    if row["status"] == "cancelled":
        return f"通知 {number} 已经撤回过了。"
    if row["status"] != "scheduled":
        return f"通知 {number} 已经发出，不能撤回了。如需更正，请再发一条通知说明。"
    broadcasts.cancel(ctx.store, int(number))
    return f"已撤回定时通知 {number}，不会再发送。"
