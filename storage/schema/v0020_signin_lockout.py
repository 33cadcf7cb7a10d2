"""Wrong sign-in codes per member and meeting: after 5 the member is locked out of that
meeting's sign-in (bot/meetings.py) until the secretary signs them in."""

from __future__ import annotations

from sqlalchemy import Column, Integer
from sqlalchemy import text as sql

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    op.add_column(
        "meeting_members", Column("wrong_codes", Integer, nullable=False, server_default=sql("0"))
    )
