"""/board links (issue 12): one token per 支部 opens that 支部's read-only 公示栏 page; only a
SHA-256 of it is stored (`dangjian board-link --branch …` makes a new one, which ends the old)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, Text

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    op.create_table(
        "board_tokens",
        Column(
            "branch_id", Integer, ForeignKey("branches.id"), primary_key=True, autoincrement=False
        ),
        Column("token_hash", Text, nullable=False, unique=True),
        Column("created_at", Text, nullable=False),
    )
