"""The inbound log gets an `id` (insertion order on both engines, where SQLite had its rowid);
the message key stays unique."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Integer, LargeBinary, Text

from storage.migrate import Ops

COLUMNS = "key, channel, openid, msg_type, content, received_at, status, reply, response, intent"


def upgrade(op: Ops) -> None:
    op.create_table(
        "inbound_log_new",
        Column("id", Integer, primary_key=True),
        Column("key", Text, nullable=False, unique=True),
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
            server_default="done",
        ),
        Column("reply", Text),
        Column("response", LargeBinary),
        Column("intent", Text),
    )
    op.execute(
        f"INSERT INTO inbound_log_new ({COLUMNS}) SELECT {COLUMNS} FROM inbound_log"
        " ORDER BY received_at, key"
    )
    op.drop_table("inbound_log")
    op.rename_table("inbound_log_new", "inbound_log")
    op.create_index("inbound_log_who", "inbound_log", ["channel", "openid", "received_at"])
