"""三会一课 meetings: 会议, 签到, 请假, 出勤 — implemented by the jobs work (issue 5)."""

from __future__ import annotations

from bot.dialog.types import Context, Reply


def create(ctx: Context, args: str) -> Reply | str | None:
    return None


def sign_in(ctx: Context, args: str) -> Reply | str | None:
    return None


def leave(ctx: Context, args: str) -> Reply | str | None:
    return None


def attendance(ctx: Context, args: str) -> Reply | str | None:
    return None
