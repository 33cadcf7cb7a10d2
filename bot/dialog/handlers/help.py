"""帮助 / 菜单: the command list, generated from the intent table."""

from __future__ import annotations

from bot.dialog.types import Context


def show(ctx: Context, args: str) -> str:
    from bot.dialog.intents import (
        INTENTS,
        LEADER,
        LEADER_ROLES,
        MEMBER,
        SECRETARY,
        SECRETARY_ROLES,
    )

    lines = ["我能帮你做这些（直接发送文字）："]
    lines += [f"· {i.usage}" for i in INTENTS if i.audience == MEMBER]
    if ctx.member is not None and ctx.member.role in LEADER_ROLES:
        lines.append("党小组长、书记：")
        lines += [f"· {i.usage}" for i in INTENTS if i.audience == LEADER]
    if ctx.member is not None and ctx.member.role in SECRETARY_ROLES:
        lines.append("书记专用：")
        lines += [f"· {i.usage}" for i in INTENTS if i.audience == SECRETARY]
    lines.append("也可以直接提问，如“烟证快到期了怎么续”“党费按什么比例交”。")
    if ctx.member is None:
        lines.append("还没绑定？发送「绑定 姓名 手机号」。")
    return "\n".join(lines)
