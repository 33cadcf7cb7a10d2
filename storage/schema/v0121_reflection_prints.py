"""心得 fingerprints (issue 12): a quarter of each 心得's character 3-grams, hashed, so a new
心得 finds the earlier ones it may copy without reading them all (bot/points/reflections.py).
`reflections.printed` says whether a row's fingerprints are stored (rows from before this
migration get them when services start)."""

from __future__ import annotations

from sqlalchemy import Column, Integer
from sqlalchemy import PrimaryKeyConstraint as PK
from sqlalchemy import text as sql

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    op.create_table(
        "reflection_prints",
        Column("print", Integer, nullable=False),
        Column("reflection_id", Integer, nullable=False),  # reflections.id
        Column("member_id", Integer, nullable=False),
        PK("print", "reflection_id"),
    )
    op.add_column(
        "reflections", Column("printed", Integer, nullable=False, server_default=sql("0"))
    )
    op.create_index("reflections_member", "reflections", ["member_id", "day"])
