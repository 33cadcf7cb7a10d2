"""我的积分 and 排行 sum a member's points over a period: look them up by member first."""

from __future__ import annotations

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    op.create_index("points_member_day", "points", ["member_id", "day", "amount"])
