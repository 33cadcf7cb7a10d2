"""Each policy question names the message that asked it (`msg_key`, the inbound-log key), so
a question answered on the read path can be written later, in a batch (storage/deferred.py),
and the session refers to it by that key instead of a row id it does not have yet. Unique:
a retry answered again by a second process writes no second row. Rows from before this
migration keep NULL (any number of NULLs are allowed in a unique index on both engines)."""

from __future__ import annotations

from sqlalchemy import Column, Text

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    op.add_column("kb_questions", Column("msg_key", Text))
    op.create_index("kb_questions_msg_key", "kb_questions", ["msg_key"], unique=True)
