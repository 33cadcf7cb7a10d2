"""Installing and pushing under the platforms' current rules (issue 10, issue 8's push
timeouts, issue 13's reload)."""

from __future__ import annotations

from sqlalchemy import Column, Integer, Text
from sqlalchemy import PrimaryKeyConstraint as PK
from sqlalchemy import text as sql

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    # One row (id 1): the content generation. `dangjian reload` (or SIGHUP) raises it; every
    # process compares it with the generation it loaded and reloads content and question banks.
    op.create_table(
        "content_generation",
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("generation", Integer, nullable=False),
        Column("reason", Text, nullable=False, server_default=""),
        Column("changed_at", Text, nullable=False),
    )
    # One row (id 1) that GET /healthz writes, to show the database takes writes.
    op.create_table(
        "health_probe",
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("checked_at", Text, nullable=False),
    )
    # A push's parts (JSON: title, summary, time, branch, place) that fill a template message.
    op.add_column("outbox", Column("parts", Text))
    # When a send of this row first ended with an unknown outcome (a timeout after the request
    # went out): a retry is only safe while the platform still dedupes it.
    op.add_column("outbox", Column("unsure_since", Text))
    # Customer-service messages sent to an Official Account follower since their last message:
    # `window_start` is the follower's last_inbound_at when they were counted (a newer message
    # from the member starts a new count).
    op.create_table(
        "custom_quota",
        Column("channel", Text, nullable=False),
        Column("openid", Text, nullable=False),
        Column("window_start", Text, nullable=False),
        Column("sent", Integer, nullable=False, server_default=sql("0")),
        PK("channel", "openid"),
    )
