"""Every (timestamp, nonce) a callback used inside the timestamp window, with a digest of its
message, shared by all worker processes: a second use is refused unless the message is
byte-identical (a WeChat retry). Rows older than the window are pruned as new ones arrive."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Text
from sqlalchemy import PrimaryKeyConstraint as PK

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    op.create_table(
        "callback_nonces",
        # the callback's timestamp parameter (seconds since the epoch)
        Column("ts", BigInteger, nullable=False, autoincrement=False),
        Column("nonce", Text, nullable=False),
        Column("channel", Text, nullable=False),
        Column("digest", Text, nullable=False),  # sha256 of the message (decrypted in safe mode)
        PK("ts", "nonce", "channel"),
    )
