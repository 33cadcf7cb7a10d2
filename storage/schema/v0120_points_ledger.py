"""积分评星 (issue 12): the points table becomes the rule-based ledger, with per-period sums.

Every point is a row of `points`: member, rule (`kind` holds the rule key of points.yaml),
rule version, amount, reason (`note`), day, time, and who granted it when a person did
(`granted_by`, a member; `granted_via`: 'chat', 'cli:<user>' …). The kinds the ledger had
before (checkin, quiz, reflection, meeting) are the keys of the shipped rules: existing rows
keep their kind as rule key and become version 1 (the ALTER's default).

`point_sums` holds each member's total per rule and period (month `2026-11`, quarter
`2026Q4`, year `2026`), kept current in the same transaction as every ledger insert
(storage/points.py), so 我的积分 and 排行 read a few rows per member instead of summing a year
of ledger rows. It is filled here from the existing rows.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlalchemy import PrimaryKeyConstraint as PK
from sqlalchemy import text as sql

from storage.migrate import Ops

# The kinds of the ledger before rules were configuration -> their rule keys (version 1).
KIND_TO_RULE = {
    "checkin": "checkin",
    "quiz": "quiz",
    "reflection": "reflection",
    "meeting": "meeting",
}

QUARTER = (
    "SUBSTR(day, 1, 4) || 'Q' || CASE WHEN SUBSTR(day, 6, 2) <= '03' THEN '1'"
    " WHEN SUBSTR(day, 6, 2) <= '06' THEN '2' WHEN SUBSTR(day, 6, 2) <= '09' THEN '3'"
    " ELSE '4' END"
)


def upgrade(op: Ops) -> None:
    op.add_column("points", Column("version", Integer, nullable=False, server_default=sql("1")))
    op.add_column("points", Column("granted_by", Integer))  # members.id
    op.add_column("points", Column("granted_via", Text, nullable=False, server_default=""))
    for kind, rule in KIND_TO_RULE.items():
        if kind != rule:
            op.execute(
                "UPDATE points SET kind = :rule WHERE kind = :kind", {"rule": rule, "kind": kind}
            )
    # Caps: a member's points of one rule on one day.
    op.create_index("points_member_day_rule", "points", ["member_id", "day", "kind"])
    # Adjustments and reports by day.
    op.create_index("points_kind_day", "points", ["kind", "day"])

    op.create_table(
        "point_sums",
        Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
        Column("period", Text, nullable=False),  # 2026-11 | 2026Q4 | 2026
        Column("rule", Text, nullable=False),
        Column("amount", Integer, nullable=False, server_default=sql("0")),
        Column("n", Integer, nullable=False, server_default=sql("0")),  # ledger rows
        PK("member_id", "period", "rule"),
    )
    # Rankings read each member's sums of one period (covering: no table lookups) …
    op.create_index("point_sums_member", "point_sums", ["member_id", "period", "amount"])
    # … and reports all members' sums of one period.
    op.create_index("point_sums_period", "point_sums", ["period", "member_id"])
    for period in ("SUBSTR(day, 1, 7)", QUARTER, "SUBSTR(day, 1, 4)"):
        op.execute(
            "INSERT INTO point_sums (member_id, period, rule, amount, n)"
            f" SELECT member_id, {period}, kind, SUM(amount), COUNT(*) FROM points"
            f" GROUP BY member_id, {period}, kind"
        )
