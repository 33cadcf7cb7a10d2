"""Tables that grow with history stay fast and bounded (issue 11): check-ins by day, delivery
counts that outlive pruned outbox rows, and a real `unknown` status for pushes whose outcome
is unknown (issue 8; they were `failed` with reason `unknown` while the CHECK constraint could
not be widened).

The outbox is rebuilt with the wider CHECK (SQLite cannot alter a constraint): same columns,
same ids (signed links and WeChat's client_msg_id name the row), same indexes."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Text
from sqlalchemy import PrimaryKeyConstraint as PK
from sqlalchemy import text as sql

from storage.migrate import Ops

COLUMNS = (
    "id, key, job, period, member_id, kind, text, status, attempts, next_attempt_at,"
    " last_error, channel, created_at, sent_at, reason, parts, unsure_since"
)


def upgrade(op: Ops) -> None:
    # 未完成, the evening reminder and the monthly summary ask "who checked in that day /
    # that month": the primary key (member_id, day) can't answer that without a full scan.
    op.create_index("checkins_day", "checkins", ["day", "member_id"])

    # Sent and skipped outbox rows older than DANGJIAN_OUTBOX_KEEP_DAYS are deleted; their
    # counts per job, period, status and reason are added up here first, so a notice's
    # delivery summary and `dangjian outbox` still count them.
    op.create_table(
        "outbox_pruned",
        Column("job", Text, nullable=False),
        Column("period", Text, nullable=False),
        Column("status", Text, nullable=False),
        Column("reason", Text, nullable=False, server_default=""),
        Column("n", Integer, nullable=False),
        PK("job", "period", "status", "reason"),
    )

    op.create_table(
        "outbox_new",
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
            CheckConstraint(
                "status IN ('pending', 'sending', 'sent', 'skipped', 'failed', 'unknown')"
            ),
            nullable=False,
            server_default="pending",
        ),
        Column("attempts", Integer, nullable=False, server_default=sql("0")),
        Column("next_attempt_at", Text, nullable=False),
        Column("last_error", Text),
        Column("channel", Text),
        Column("created_at", Text, nullable=False),
        Column("sent_at", Text),
        Column("reason", Text),
        Column("parts", Text),
        Column("unsure_since", Text),
    )
    op.execute(f"INSERT INTO outbox_new ({COLUMNS}) SELECT {COLUMNS} FROM outbox")
    op.execute(
        "UPDATE outbox_new SET status = 'unknown' WHERE status = 'failed' AND reason = 'unknown'"
    )
    op.drop_table("outbox")
    op.rename_table("outbox_new", "outbox")
    if op.dialect == "postgresql":  # the identity sequence follows the copied ids
        op.execute("ALTER SEQUENCE outbox_new_id_seq RENAME TO outbox_id_seq")
        op.execute(
            "SELECT setval('outbox_id_seq', COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM outbox"
        )
    op.create_index("outbox_due", "outbox", ["status", "next_attempt_at"])
    op.create_index("outbox_job", "outbox", ["job", "period"])
