"""申报 (issue 12): a member claims points for volunteer work, 先锋岗 duty and the like; the
党小组长 (or, after 3 days unanswered, the 支部书记) approves or rejects it in chat."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Text
from sqlalchemy import text as sql

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    op.create_table(
        "claims",
        Column("id", Integer, primary_key=True),
        Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
        Column("rule", Text, nullable=False),  # the claim category: a rule key of points.yaml
        Column("text", Text, nullable=False),
        Column("day", Text, nullable=False),  # the day it was made (its points count on it)
        Column(
            "status",
            Text,
            CheckConstraint("status IN ('pending', 'approved', 'rejected')"),
            nullable=False,
            server_default="pending",
        ),
        Column("created_at", Text, nullable=False),
        Column("asked", Text, nullable=False, server_default=""),  # 党小组长 | 支部书记
        Column("escalated_at", Text),  # when it went to the secretaries unanswered
        Column("decided_by", Integer, ForeignKey("members.id")),
        Column("decided_at", Text),
        Column("reason", Text, nullable=False, server_default=""),  # why it was rejected
        Column("points", Integer, nullable=False, server_default=sql("0")),  # credited on approval
    )
    op.create_index("claims_pending", "claims", ["status", "created_at"])
    op.create_index("claims_member", "claims", ["member_id", "day"])
