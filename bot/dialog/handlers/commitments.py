"""承诺 and 践诺: a member's public commitment for the year and its judgement
(bot/points/commitments.py)."""

from __future__ import annotations

from bot.dialog.types import Context
from bot.points import commitments
from bot.text import command_form, typed_after

QUESTION = ("?", "？", "吗", "怎么", "什么", "如何", "哪")


def make(ctx: Context, args: str) -> str | None:
    member = ctx.member
    assert member is not None
    text = typed_after(ctx.inbound.text, "承诺", args) if args else ""
    glued = not command_form(ctx.inbound.text).startswith(("承诺 ", "承诺:", "承诺："))
    if text and glued and any(q in text for q in QUESTION):
        return None  # 承诺书怎么写？ is a question, not a commitment: let the library answer
    return commitments.make(ctx.store, member, text, ctx.now)


def judge(ctx: Context, args: str) -> str:
    member = ctx.member
    assert member is not None
    text = typed_after(ctx.inbound.text, "践诺", args)
    reply, pushes = commitments.judge(ctx.store, ctx.services.points, member, text, ctx.now)
    if pushes:
        ctx.services.push(pushes)
    return reply
