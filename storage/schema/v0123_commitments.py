"""承诺 / 践诺 (issue 12): each member's public service commitment for a year (亮承诺), judged
kept or not at the year's review by the 党小组长 or the 支部书记."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Text
from sqlalchemy import UniqueConstraint as Unique

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    op.create_table(
        "commitments",
        Column("id", Integer, primary_key=True),
        Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
        Column("year", Text, nullable=False),  # '2026'
        Column("text", Text, nullable=False),
        Column("created_at", Text, nullable=False),
        Column("updated_at", Text, nullable=False),
        Column(
            "status",
            Text,
            CheckConstraint("status IN ('open', 'kept', 'broken')"),
            nullable=False,
            server_default="open",
        ),
        Column("judged_by", Integer, ForeignKey("members.id")),
        Column("judged_at", Text),
        Unique("member_id", "year"),
    )
