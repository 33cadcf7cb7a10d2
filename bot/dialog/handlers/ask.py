"""Policy questions, feedback, 转人工 and the secretary's 回复 — implemented by the knowledge work."""

from __future__ import annotations

from bot.dialog.types import Context, Reply


def answer_question(ctx: Context, raw: str) -> Reply | str | None:  # TODO(issue 4)
    return None


def on_state(ctx: Context, text: str) -> Reply | str | None:
    return None


def handoff(ctx: Context, args: str) -> Reply | str | None:
    return None


def feedback_useful(ctx: Context, args: str) -> Reply | str | None:
    return None


def feedback_useless(ctx: Context, args: str) -> Reply | str | None:
    return None


def answer_handoff(ctx: Context, args: str) -> Reply | str | None:
    return None
