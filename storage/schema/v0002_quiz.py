"""每日答题: sets per member per day (daily or practice), each question's attempt, what each
member has seen in the current cycle of the bank, and the wrong-answer review schedule."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Text
from sqlalchemy import PrimaryKeyConstraint as PK
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy import text as sql

from storage.migrate import Ops


def upgrade(op: Ops) -> None:
    op.create_table(
        "quiz_sessions",
        Column("id", Integer, primary_key=True),
        Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
        Column("day", Text, nullable=False),  # the day the set was started (it belongs to that day)
        Column("kind", Text, CheckConstraint("kind IN ('daily', 'practice')"), nullable=False),
        Column("seq", Integer, nullable=False, server_default=sql("0")),  # 0 daily; 1, 2 … practice
        Column("size", Integer, nullable=False),
        Column("started_at", Text, nullable=False),
        Column("finished_at", Text),
        Column("score", Integer),  # right answers, set when finished
        Column("points", Integer, nullable=False, server_default=sql("0")),
        Unique("member_id", "day", "kind", "seq"),
    )
    op.create_index("quiz_sessions_day", "quiz_sessions", ["day", "kind", "finished_at"])
    op.create_table(
        "quiz_attempts",
        Column(
            "session_id",
            Integer,
            ForeignKey("quiz_sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        Column("position", Integer, nullable=False),  # 1-based order in the set
        Column("question_id", Text, nullable=False),
        Column("review", Integer, nullable=False, server_default=sql("0")),  # a wrong answer again
        Column("shown", Text, nullable=False, server_default=""),  # 'CADB': shown A = bank C
        Column("sent_at", Text),
        Column("answered_at", Text),
        Column("answer", Text),  # as the member saw it: shown letters, 对/错, or text
        Column("correct", Integer),  # 1 / 0; NULL until answered
        Column("skipped", Integer, nullable=False, server_default=sql("0")),
        PK("session_id", "position"),
    )
    op.create_index("quiz_attempts_question", "quiz_attempts", ["question_id", "correct"])
    op.create_table(
        "quiz_seen",
        Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
        Column("question_id", Text, nullable=False),
        Column("day", Text, nullable=False),
        PK("member_id", "question_id"),
    )
    # Wrong answers: due again 1, 3 and 7 days after the miss (step 0, 1, 2); answered right at
    # the 7-day step closes the review; answered wrong again restarts it from that day.
    op.create_table(
        "quiz_reviews",
        Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
        Column("question_id", Text, nullable=False),
        Column("missed_day", Text, nullable=False),
        Column("step", Integer, nullable=False, server_default=sql("0")),
        Column("due_day", Text, nullable=False),
        Column("open", Integer, nullable=False, server_default=sql("1")),
        Column("closed_day", Text),
        PK("member_id", "question_id"),
    )
    op.create_index("quiz_reviews_due", "quiz_reviews", ["member_id", "open", "due_day"])
