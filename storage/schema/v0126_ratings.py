"""Frozen ratings (issue 12): `dangjian stars --period … --confirm` keeps each member's stars
and places and each 党小组's result and place of a period and 支部 as they were; later ledger
changes don't alter them."""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Integer, Text
from sqlalchemy import PrimaryKeyConstraint as PK

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    op.create_table(
        "rating_confirmations",
        Column("period", Text, nullable=False),  # 2026-11 | 2026Q4 | 2026
        Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False),
        Column("confirmed_at", Text, nullable=False),
        Column("confirmed_via", Text, nullable=False, server_default=""),
        PK("period", "branch_id"),
    )
    # 我的积分 looks up a 支部's latest confirmed periods.
    op.create_index(
        "rating_confirmations_branch", "rating_confirmations", ["branch_id", "confirmed_at"]
    )
    op.create_table(
        "member_ratings",
        Column("period", Text, nullable=False),
        Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False),
        Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
        Column("name", Text, nullable=False),
        Column("party_group", Text, nullable=False, server_default=""),
        Column("points", Integer, nullable=False),
        Column("stars", Integer, nullable=False),
        Column("branch_place", Integer, nullable=False),
        Column("group_place", Integer),
        PK("period", "member_id"),
    )
    op.create_index("member_ratings_branch", "member_ratings", ["branch_id", "period"])
    op.create_table(
        "group_ratings",
        Column("period", Text, nullable=False),
        Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False),
        Column("group_id", Integer, ForeignKey("party_groups.id"), nullable=False),
        Column("name", Text, nullable=False),
        Column("members", Integer, nullable=False),
        Column("points", Integer, nullable=False),
        Column("per_member", Float, nullable=False),
        Column("items_total", Integer, nullable=False),
        Column("items_max", Integer, nullable=False),
        Column("score", Float, nullable=False),
        Column("place", Integer, nullable=False),
        PK("period", "group_id"),
    )
    op.create_index("group_ratings_branch", "group_ratings", ["branch_id", "period"])
