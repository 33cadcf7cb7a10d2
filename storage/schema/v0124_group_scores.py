"""小组评分 (issue 12): the secretary's monthly scores of each 党小组 on the group items of
points.yaml (落实决议, 特色活动, 工作业绩 …), part of the 党小组's monthly result."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlalchemy import PrimaryKeyConstraint as PK

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    op.create_table(
        "group_scores",
        Column("group_id", Integer, ForeignKey("party_groups.id"), nullable=False),
        Column("month", Text, nullable=False),  # 2026-11
        Column("item", Text, nullable=False),  # a group item key of points.yaml
        Column("score", Integer, nullable=False),
        Column("scored_by", Integer, ForeignKey("members.id")),
        Column("at", Text, nullable=False),
        PK("group_id", "month", "item"),
    )
    op.create_index("group_scores_month", "group_scores", ["month", "group_id"])
