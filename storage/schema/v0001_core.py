"""Organization, members, bindings, inbound log, dialog sessions, check-ins, points, outbox."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, LargeBinary, Text
from sqlalchemy import PrimaryKeyConstraint as PK
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy import text as sql

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    op.create_table(
        "branches",
        Column("id", Integer, primary_key=True),
        Column("name", Text, nullable=False, unique=True),
    )
    op.create_table(
        "party_groups",
        Column("id", Integer, primary_key=True),
        Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False),
        Column("name", Text, nullable=False),
        Unique("branch_id", "name"),
    )
    op.create_table(
        "members",
        Column("id", Integer, primary_key=True),
        Column("name", Text, nullable=False),
        Column("phone", Text, nullable=False, unique=True),
        Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False),
        Column("group_id", Integer, ForeignKey("party_groups.id")),
        Column(
            "role",
            Text,
            CheckConstraint("role IN ('党员', '党小组长', '支部书记', '管理员')"),
            nullable=False,
        ),
        Column("category", Text, CheckConstraint("category IN ('员工', '零售户')"), nullable=False),
        Column("wecom_userid", Text, unique=True),
        Column("active", Integer, nullable=False, server_default=sql("1")),
        Column("created_at", Text, nullable=False),
        Column("updated_at", Text, nullable=False),
    )
    op.create_index("members_branch", "members", ["branch_id", "group_id"])

    # One WeChat account per member and one member per account, per channel.
    op.create_table(
        "bindings",
        Column("channel", Text, nullable=False),
        Column("openid", Text, nullable=False),
        Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
        Column("bound_at", Text, nullable=False),
        PK("channel", "openid"),
        Unique("channel", "member_id"),
    )
    # Everyone who ever wrote to or followed the account; last_inbound_at drives the 48 h window.
    op.create_table(
        "followers",
        Column("channel", Text, nullable=False),
        Column("openid", Text, nullable=False),
        Column("subscribed", Integer, nullable=False, server_default=sql("1")),
        Column("first_seen_at", Text, nullable=False),
        Column("last_inbound_at", Text),
        Column("unsubscribed_at", Text),
        PK("channel", "openid"),
    )
    op.create_table(
        "bind_failures",
        Column("id", Integer, primary_key=True),
        Column("channel", Text, nullable=False),
        Column("openid", Text, nullable=False),
        Column("at", Text, nullable=False),
    )
    op.create_index("bind_failures_who", "bind_failures", ["channel", "openid", "at"])

    # Every callback once: a retry finds its key and gets the stored response back.
    op.create_table(
        "inbound_log",
        Column("key", Text, primary_key=True),
        Column("channel", Text, nullable=False),
        Column("openid", Text, nullable=False),
        Column("msg_type", Text, nullable=False),
        Column("content", Text, nullable=False, server_default=""),
        Column("received_at", Text, nullable=False),
        Column(
            "status",
            Text,
            CheckConstraint("status IN ('processing', 'done')"),
            nullable=False,
            server_default="processing",
        ),
        Column("reply", Text),
        Column("response", LargeBinary),
        Column("intent", Text),
    )
    op.create_index("inbound_log_who", "inbound_log", ["channel", "openid", "received_at"])

    op.create_table(
        "sessions",
        Column("channel", Text, nullable=False),
        Column("openid", Text, nullable=False),
        Column("state", Text, nullable=False, server_default="{}"),
        Column("updated_at", Text, nullable=False),
        PK("channel", "openid"),
    )
    op.create_table(
        "checkins",
        Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
        Column("day", Text, nullable=False),
        Column("at", Text, nullable=False),
        Column("study_id", Text),
        PK("member_id", "day"),
    )
    # The points ledger: one row per (member, kind, ref), so awarding twice is a no-op.
    op.create_table(
        "points",
        Column("id", Integer, primary_key=True),
        Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
        Column("day", Text, nullable=False),
        Column("kind", Text, nullable=False),
        Column("ref", Text, nullable=False),
        Column("amount", Integer, nullable=False),
        Column("note", Text, nullable=False, server_default=""),
        Column("at", Text, nullable=False),
        Unique("member_id", "kind", "ref"),
    )
    op.create_index("points_day", "points", ["day", "member_id"])
    op.create_table(
        "reflections",
        Column("id", Integer, primary_key=True),
        Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
        Column("day", Text, nullable=False),
        Column("text", Text, nullable=False),
        Column("at", Text, nullable=False),
    )
    # Every push: unique (job, period, member) key; see storage/outbox.py.
    op.create_table(
        "outbox",
        Column("id", Integer, primary_key=True),
        Column("key", Text, nullable=False, unique=True),
        Column("job", Text, nullable=False),
        Column("period", Text, nullable=False),
        Column("member_id", Integer, ForeignKey("members.id")),
        Column("kind", Text, nullable=False),
        Column("text", Text, nullable=False),
        Column(
            "status",
            Text,
            CheckConstraint("status IN ('pending', 'sending', 'sent', 'skipped', 'failed')"),
            nullable=False,
            server_default="pending",
        ),
        Column("attempts", Integer, nullable=False, server_default=sql("0")),
        Column("next_attempt_at", Text, nullable=False),
        Column("last_error", Text),
        Column("channel", Text),
        Column("created_at", Text, nullable=False),
        Column("sent_at", Text),
    )
    op.create_index("outbox_due", "outbox", ["status", "next_attempt_at"])
    op.create_index("outbox_job", "outbox", ["job", "period"])

    # Pushes delivered by the console channel (no WeChat credentials): the simulator shows them.
    op.create_table(
        "console_inbox",
        Column("id", Integer, primary_key=True),
        Column("channel", Text, nullable=False),
        Column("openid", Text, nullable=False),
        Column("text", Text, nullable=False),
        Column("at", Text, nullable=False),
    )
    op.create_index("console_inbox_who", "console_inbox", ["channel", "openid", "id"])
