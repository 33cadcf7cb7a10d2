"""发布通知 / 定时通知 with a 确认 step — implemented by the jobs work (issue 5)."""

from __future__ import annotations

from bot.dialog.types import Context, Reply


def on_state(ctx: Context, text: str) -> Reply | str | None:
    return None


def compose(ctx: Context, args: str) -> Reply | str | None:
    return None


def schedule(ctx: Context, args: str) -> Reply | str | None:
    return None
