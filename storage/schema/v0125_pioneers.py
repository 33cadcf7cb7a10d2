"""党员先锋岗 and 责任区 (issue 12): designations the secretary sets (`dangjian pioneer add`),
shown in 我的积分, the reports and /board."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Text

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    op.create_table(
        "pioneers",
        Column("id", Integer, primary_key=True),
        Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
        Column("kind", Text, CheckConstraint("kind IN ('先锋岗', '责任区')"), nullable=False),
        Column("title", Text, nullable=False),
        Column("since", Text, nullable=False),  # the day it was set
        Column("until", Text),  # the day it was removed (NULL: in force)
        Column("created_at", Text, nullable=False),
    )
    op.create_index("pioneers_member", "pioneers", ["member_id", "until"])
