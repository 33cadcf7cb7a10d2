"""Policy questions: every question asked with its outcome, feedback on answers, and 转人工."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Float, ForeignKey, Integer, Text
from sqlalchemy import text as sql

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    # outcome: answered (confident answer shown), suggested (only 您是不是想问…),
    # picked (a suggestion was chosen afterwards), none (nothing matched).
    op.create_table(
        "kb_questions",
        Column("id", Integer, primary_key=True),
        Column("channel", Text, nullable=False),
        Column("openid", Text, nullable=False),
        Column("member_id", Integer, ForeignKey("members.id")),
        Column("text", Text, nullable=False),
        Column("norm", Text, nullable=False),
        Column(
            "outcome",
            Text,
            CheckConstraint("outcome IN ('answered', 'suggested', 'picked', 'none')"),
            nullable=False,
        ),
        Column("entry_id", Text),
        Column("score", Float),
        Column("asked_at", Text, nullable=False),
    )
    op.create_index("kb_questions_when", "kb_questions", ["asked_at", "outcome"])
    op.create_index("kb_questions_who", "kb_questions", ["channel", "openid", "asked_at"])

    # One verdict per question answered (the last one counts).
    op.create_table(
        "kb_feedback",
        Column(
            "question_id",
            Integer,
            ForeignKey("kb_questions.id"),
            primary_key=True,
            autoincrement=False,
        ),
        Column("entry_id", Text, nullable=False),
        Column("useful", Integer, CheckConstraint("useful IN (0, 1)"), nullable=False),
        Column("at", Text, nullable=False),
    )
    op.create_index("kb_feedback_when", "kb_feedback", ["at", "useful"])

    # 转人工: the number members and secretaries see is the id.
    op.create_table(
        "handoffs",
        Column("id", Integer, primary_key=True),
        Column("channel", Text, nullable=False),
        Column("openid", Text, nullable=False),
        Column("member_id", Integer, ForeignKey("members.id")),
        Column("question_id", Integer, ForeignKey("kb_questions.id")),
        Column("question", Text, nullable=False),
        Column("assignee_id", Integer, ForeignKey("members.id")),
        Column(
            "status",
            Text,
            CheckConstraint("status IN ('open', 'answered')"),
            nullable=False,
            server_default="open",
        ),
        Column("created_at", Text, nullable=False),
        Column("answer", Text),
        Column("answered_by", Integer, ForeignKey("members.id")),
        Column("answered_at", Text),
        Column("delivered", Integer, nullable=False, server_default=sql("0")),
    )
    op.create_index("handoffs_open", "handoffs", ["status", "created_at"])
    op.create_index("handoffs_who", "handoffs", ["channel", "openid", "status"])
