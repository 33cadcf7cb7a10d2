"""The inbound log loses its (channel, openid, received_at) index. Its one reader was a
fallback of 转人工 (the member's last text message, with no time limit), which is gone:
转人工 forwards the policy question asked in the last two hours (kb_questions) or asks for
the question, as the README says. The index cost every logged message a write to a random
page of a table that grows with every message (and its read back when another process had
written); the log is still found by its key."""

from __future__ import annotations

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    op.execute("DROP INDEX IF EXISTS inbound_log_who")
