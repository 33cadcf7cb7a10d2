"""Fixed texts members read. Short, friendly, correct Chinese."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.text import shorten

if TYPE_CHECKING:
    from storage.members import Member

BIND_HOWTO = "请发送「绑定 姓名 手机号」绑定党员身份，例如：绑定 张三 13800000000"
NEED_BIND = "这项功能需要先绑定党员身份。" + BIND_HOWTO + "。"
DEACTIVATED = (
    "你的党员信息已停用（不在当前花名册里），暂时不能使用这项功能。如有疑问请联系支部书记。"
)
ERROR = "系统开了个小差，请稍后再试。如一直不行，请联系支部书记。"
EMPTY_TEXT = "没有收到内容，发送「帮助」看看我能做什么。"
VOICE_UNCLEAR = "没听清这段语音，请再说一遍或直接发文字。发送「帮助」查看全部功能。"
UNSUPPORTED = (
    "我暂时只能看懂文字和语音消息。可以发送「打卡」「答题」或直接提问，发送「帮助」查看全部功能。"
)
UNKNOWN_MENU = "这个菜单还没有设置好，请发送「帮助」查看全部功能。"


def welcome(member: Member | None) -> str:
    if member is not None:
        return f"欢迎回来，{member.name}同志！发送「打卡」学习打卡，「答题」参加每日答题，「帮助」查看全部功能。"
    return (
        "欢迎关注党建学习助手！这里可以每日学习打卡、答题、会议签到，也可以直接问政策问题。\n"
        + BIND_HOWTO
        + "。\n发送「帮助」查看全部功能。"
    )


ROLE_ORDER = ("支部书记", "管理员", "党小组长", "党员")


def not_allowed(command: str, roles: frozenset[str]) -> str:
    names = [r for r in ROLE_ORDER if r in roles]
    who = "、".join(names[:-1]) + "或" + names[-1] if len(names) > 1 else "".join(names)
    return f"「{command}」只有{who}可以使用。如有需要，请联系支部书记。"


# The three most useful commands, for the fallback reply (bound members / everyone else).
TOP_COMMANDS = (
    ("打卡", "今日学习打卡"),
    ("答题", "每日答题（5题）"),
    ("转人工", "把问题转给书记或客户经理"),
)
TOP_COMMANDS_UNBOUND = (
    ("绑定 姓名 手机号", "绑定党员身份，之后就能打卡、答题"),
    ("转人工", "把问题转给工作人员"),
    ("帮助", "查看全部功能"),
)


def fallback(raw: str, close_commands: list[str], bound: bool = True) -> str:
    """For anything unknown: what was not understood, close commands, and the three most
    useful commands."""
    said = shorten(raw.strip(), 20)
    lines = [f"抱歉，「{said}」我还答不上来。"]
    if close_commands:
        lines.append("您是不是想发：" + "、".join(f"「{c}」" for c in close_commands) + "？")
    lines.append("常用的有：")
    lines += [f"「{c}」{what}" for c, what in (TOP_COMMANDS if bound else TOP_COMMANDS_UNBOUND)]
    tail = "也可以直接提问，如“许可证怎么延续”"
    lines.append(tail + ("；发送「帮助」查看全部功能。" if bound else "。"))
    return "\n".join(lines)
