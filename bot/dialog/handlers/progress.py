"""未完成: who has not studied today — implemented with the quiz and jobs work."""

from __future__ import annotations

from bot.dialog.types import Context, Reply


def unfinished(ctx: Context, args: str) -> Reply | str | None:
    return None
