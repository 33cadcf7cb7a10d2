"""Jobs: the runner lease, job bookkeeping, broadcasts, 三会一课 meetings, and outbox reasons."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Text
from sqlalchemy import PrimaryKeyConstraint as PK
from sqlalchemy import text as sql

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    # One row per lease name ('jobs'): who runs the scheduled jobs, and until when.
    op.create_table(
        "lease",
        Column("name", Text, primary_key=True),
        Column("token", Text, nullable=False),  # unique per runner start
        Column("host", Text, nullable=False),
        Column("pid", Integer, nullable=False),
        Column("since", Text, nullable=False),
        Column("renewed_at", Text, nullable=False),
        Column("expires_at", Text, nullable=False),
    )
    # The last time each scheduled job ran, so a restart can catch up a missed run.
    op.create_table(
        "job_runs",
        Column("job", Text, primary_key=True),
        Column("ran_at", Text, nullable=False),
        Column("scheduled_for", Text),
        Column("note", Text, nullable=False, server_default=""),
    )
    # Why a row was skipped or failed, as a short code (window, unbound, 43004, ...).
    op.add_column("outbox", Column("reason", Text))

    # Notices from a secretary to a 支部 or one 党小组; the outbox rows carry job 'broadcast:<id>'.
    op.create_table(
        "broadcasts",
        Column("id", Integer, primary_key=True),
        Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False),
        Column("group_id", Integer, ForeignKey("party_groups.id")),
        Column("author_id", Integer, ForeignKey("members.id")),
        Column("text", Text, nullable=False),
        Column("send_at", Text, nullable=False),
        Column(
            "status",
            Text,
            CheckConstraint("status IN ('scheduled', 'queued', 'done', 'cancelled')"),
            nullable=False,
            server_default="scheduled",
        ),
        Column("recipients", Integer, nullable=False, server_default=sql("0")),
        Column("created_at", Text, nullable=False),
        Column("queued_at", Text),
        Column("done_at", Text),
    )
    op.create_index("broadcasts_due", "broadcasts", ["status", "send_at"])

    # 三会一课 meetings.
    op.create_table(
        "meetings",
        Column("id", Integer, primary_key=True),
        Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False),
        Column("group_id", Integer, ForeignKey("party_groups.id")),
        Column(
            "type",
            Text,
            CheckConstraint("type IN ('支部党员大会', '支委会', '党小组会', '党课', '主题党日')"),
            nullable=False,
        ),
        Column("starts_at", Text, nullable=False),
        Column("place", Text, nullable=False, server_default=""),
        Column("code", Text, nullable=False),
        Column("created_by", Integer, ForeignKey("members.id")),
        Column("created_at", Text, nullable=False),
        Column("cancelled", Integer, nullable=False, server_default=sql("0")),
        Column("reminded_24h_at", Text),
        Column("reminded_1h_at", Text),
    )
    op.create_index("meetings_branch", "meetings", ["branch_id", "starts_at"])
    op.create_index("meetings_start", "meetings", ["starts_at"])

    # Who a meeting concerns (应到), and what each did: invited, leave (请假) or signed (签到).
    op.create_table(
        "meeting_members",
        Column("meeting_id", Integer, ForeignKey("meetings.id"), nullable=False),
        Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
        Column(
            "status",
            Text,
            CheckConstraint("status IN ('invited', 'leave', 'signed')"),
            nullable=False,
            server_default="invited",
        ),
        Column("reason", Text, nullable=False, server_default=""),
        Column("at", Text),
        PK("meeting_id", "member_id"),
    )
    op.create_index("meeting_members_member", "meeting_members", ["member_id", "meeting_id"])
