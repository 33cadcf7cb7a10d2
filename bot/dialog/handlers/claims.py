"""申报, 同意, 驳回, 待审: points claims and their approval in chat (bot/points/claims.py)."""

from __future__ import annotations

from bot.dialog.types import Context
from bot.points import claims
from bot.text import typed_after


def submit(ctx: Context, args: str) -> str:
    member = ctx.member
    assert member is not None
    text = typed_after(ctx.inbound.text, "申报", args)
    reply, pushes = claims.submit(ctx.store, ctx.services.points, member, text, ctx.now)
    if pushes:
        ctx.services.push(pushes)
    return reply


def approve(ctx: Context, args: str) -> str:
    return _decide(ctx, args, True)


def reject(ctx: Context, args: str) -> str:
    return _decide(ctx, args, False)


def _decide(ctx: Context, args: str, approve: bool) -> str:
    member = ctx.member
    assert member is not None
    text = typed_after(ctx.inbound.text, "同意" if approve else "驳回", args)
    reply, pushes = claims.decide(ctx.store, ctx.services.points, member, text, approve, ctx.now)
    if pushes:
        ctx.services.push(pushes)
    return reply


def pending(ctx: Context, args: str) -> str:
    member = ctx.member
    assert member is not None
    return claims.pending_text(ctx.store, ctx.services.points, member)
