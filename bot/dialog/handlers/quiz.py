"""每日答题 — implemented by the quiz work (issue 3)."""

from __future__ import annotations

from bot.dialog.types import Context, Reply


def on_state(ctx: Context, text: str) -> Reply | str | None:
    return None


def start(ctx: Context, args: str) -> Reply | str | None:
    return None


def practice(ctx: Context, args: str) -> Reply | str | None:
    return None


def wrong_book(ctx: Context, args: str) -> Reply | str | None:
    return None
