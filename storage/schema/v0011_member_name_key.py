"""The normalized form of each member's name (bot.text.name_key: NFKC, simplified, no spaces),
so 陳靜 in the roster binds as 陈静 or 陳靜 with an index lookup; `name` keeps the roster's
spelling for display. Rows from before this migration are filled in when a service starts."""

from __future__ import annotations

from sqlalchemy import Column, Text

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    op.add_column("members", Column("name_key", Text))
    op.create_index("members_name_key", "members", ["name_key", "phone"])
