"""绑定 姓名 手机号: link a WeChat account to a roster entry, with a failure limit."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.clock import local, stamp
from bot.dialog import replies
from bot.dialog.replies import BIND_HOWTO
from bot.dialog.types import Context
from bot.text import name_key
from storage import members

MAX_FAILURES = 5
WINDOW = timedelta(hours=1)
_PHONE = re.compile(r"1\d{10}")
# Han characters of every block (rare ones such as 㛃 are in extension A), middle dots of
# minority names, and letters; the roster decides what is a name, this only separates it.
_NAME = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134fa-z"
    r"·\u00b7\u2022\u2027\u30fb.]{1,30}"
)


def parse(args: str) -> tuple[str, str] | None:
    """Name and phone from '张三 13800000000', '张三13800000000', '13800000000 张三', ..."""
    compact = re.sub(r"[\s,，、;；:：\-\u200b-\u200f\u2060\ufeff]", "", args)
    phone = _PHONE.search(compact)
    if not phone:
        return None
    rest = compact[: phone.start()] + compact[phone.end() :]
    name = _NAME.fullmatch(rest)
    if not name:
        return None
    return name.group(0), phone.group(0)


def bind(ctx: Context, args: str) -> str:
    inbound = ctx.inbound
    if inbound.channel == "wecom":
        if ctx.member is not None:
            return (
                f"企业微信已自动识别你的身份：{ctx.member.name}（{ctx.member.branch}），无需绑定。"
            )
        if ctx.former is not None:
            return replies.DEACTIVATED
        return "没有在花名册里找到你的企业微信账号，请联系支部书记补充。"
    if ctx.former is not None:
        return replies.DEACTIVATED
    if ctx.member is not None:
        return (
            f"你已绑定为 {ctx.member.name}（{ctx.member.branch}）。如需更换，请联系支部书记解绑。"
        )
    store = ctx.store
    since = stamp(ctx.now - WINDOW)
    failures = members.bind_failures_since(store, inbound.channel, inbound.user_id, since)
    if len(failures) >= MAX_FAILURES:
        until = local(failures[0], ctx.tz) + WINDOW
        return f"绑定失败次数过多，请在 {until:%H:%M} 以后再试，或联系支部书记。"
    parsed = parse(args)
    if parsed is None:
        return "格式不对哦。" + BIND_HOWTO + "。"
    name, phone = parsed
    member = members.by_name_phone(store, name_key(name), phone)
    if member is None:
        members.record_bind_failure(store, inbound.channel, inbound.user_id, ctx.stamp)
        left = MAX_FAILURES - len(failures) - 1
        tail = f"还可以再试 {left} 次。" if left > 0 else "一小时内不能再试了。"
        return f"没有找到与姓名和手机号都匹配的党员信息，请核对后重试，{tail}如信息有误请联系支部书记。"
    result = members.bind(store, inbound.channel, inbound.user_id, member.id, ctx.stamp)
    if result == "member_taken":
        return f"{member.name} 已绑定了另一个微信号。一个党员只能绑定一个微信号，如需更换请联系支部书记解绑。"
    if result == "account_taken":
        return "你的微信号已绑定其他党员，如需更改请联系支部书记。"
    group = f" · {member.group}" if member.group else ""
    return (
        f"绑定成功！{member.name}同志，你属于{member.branch}{group}。\n"
        "发送「打卡」开始今天的学习，「答题」参加每日答题，「帮助」查看全部功能。"
    )
