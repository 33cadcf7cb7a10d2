"""A large organization with a year of activity, loaded in bulk (COPY on PostgreSQL,
executemany on SQLite) for bench/scale.py.

    .venv/bin/python bench/dataset.py TARGET [--members 50000] [--branches 200] [--groups 1000]

TARGET is a SQLite file path or a postgresql:// URL of an empty database. The year is 2026
(January 1 to December 31); every member is bound to an Official Account openid `s<id>`.
What each member did is drawn from a seeded generator, so two runs build the same data:

- an activity level per member (a few are barely active); on each day a member checks in
  with probability 0.75 x level and finishes the daily quiz (5 questions of the shipped bank,
  about 80% right) with 0.55 x level; 1 point per check-in, 6 per quiz;
- the question seen-list of the current cycle, and open reviews of recent wrong answers;
- policy questions (about one member in 30 a day);
- what retention keeps: the inbound log of the last 30 days (the messages of those days,
  with response bytes of realistic size: 打卡 replies carry the day's study text) and the
  outbox of the last 30 days (the daily study push, evening reminders), older pushes only as
  counts in outbox_pruned.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage import Store, open_store  # noqa: E402

YEAR_START = date(2026, 1, 1)
DAYS = 365
KEEP_DAYS = 30  # what retention keeps of the inbound log and the outbox
CHECKIN_RATE = 0.75
QUIZ_RATE = 0.55
QUESTION_RATE = 1 / 30
STUDY_TEXT = (
    "【今日学习】" + "学习内容" * 120 + "\n回复「打卡」完成今日学习，「答题」参加每日答题。"
)  # the study push and the 打卡 reply carry a text of this size


@dataclass(frozen=True)
class Shape:
    members: int = 50_000
    branches: int = 200
    groups: int = 1_000
    days: int = DAYS
    seed: int = 11

    def day(self, i: int) -> str:
        return (YEAR_START + timedelta(days=i)).isoformat()

    @property
    def last_day(self) -> str:
        return self.day(self.days - 1)


def _at(day: str, minute: int) -> str:
    return f"{day}T{1 + minute // 60:02d}:{minute % 60:02d}:00+00:00"  # 09:xx in Shanghai


class Activity:
    """Who did what on which day: two bit masks per member (bit i = day i)."""

    def __init__(self, shape: Shape) -> None:
        rng = random.Random(shape.seed)
        self.checkins: list[int] = [0]
        self.quizzes: list[int] = [0]
        for _ in range(shape.members):
            level = rng.choice((0.05, 0.3, 0.6, 0.8, 0.9, 1.0, 1.0))
            c = q = 0
            for d in range(shape.days):
                if rng.random() < CHECKIN_RATE * level:
                    c |= 1 << d
                if rng.random() < QUIZ_RATE * level:
                    q |= 1 << d
            self.checkins.append(c)
            self.quizzes.append(q)

    @staticmethod
    def days(mask: int) -> Iterator[int]:
        d = 0
        while mask:
            if mask & 1:
                yield d
            mask >>= 1
            d += 1


def build(store: Store, shape: Shape, questions: list[str], log: bool = True) -> dict[str, int]:
    """Fill an empty, migrated database. Returns rows per table."""
    t0 = time.perf_counter()
    act = Activity(shape)
    n = shape.members
    per_branch = shape.groups // shape.branches
    first = shape.day(0)
    counts: dict[str, int] = {}

    def load(table: str, columns: tuple[str, ...], rows: Iterator[tuple[object, ...]]) -> None:
        t = time.perf_counter()
        with store.tx(durable=False):
            counts[table] = store.bulk_insert(table, columns, rows)
        if log:
            print(f"  {table:<16}{counts[table]:>12,} rows {time.perf_counter() - t:7.1f} s")

    def group_of(m: int) -> int:
        return (m - 1) % shape.groups + 1

    def branch_of_group(g: int) -> int:
        return (g - 1) // per_branch + 1

    load("branches", ("id", "name"), ((b, f"第{b}党支部") for b in range(1, shape.branches + 1)))
    load(
        "party_groups",
        ("id", "branch_id", "name"),
        ((g, branch_of_group(g), f"第{g}党小组") for g in range(1, shape.groups + 1)),
    )

    def role(m: int) -> str:
        if m <= shape.groups:  # the first member of each group leads it …
            g = group_of(m)
            return "支部书记" if (g - 1) % per_branch == 0 else "党小组长"  # … or the branch
        return "党员"

    load(
        "members",
        ("id", "name", "phone", "branch_id", "group_id", "role", "category", "active",
         "created_at", "updated_at", "name_key"),
        ((m, f"党员{m}", f"1{m:010d}", branch_of_group(group_of(m)), group_of(m), role(m), "员工",
          1, _at(first, 0), _at(first, 0), f"党员{m}") for m in range(1, n + 1)),
    )  # fmt: skip
    load(
        "bindings",
        ("channel", "openid", "member_id", "bound_at"),
        (("wechat", f"s{m}", m, _at(first, 1)) for m in range(1, n + 1)),
    )
    last = shape.last_day
    load(
        "followers",
        ("channel", "openid", "subscribed", "first_seen_at", "last_inbound_at"),
        (("wechat", f"s{m}", 1, _at(first, 1), _at(last, m % 600)) for m in range(1, n + 1)),
    )
    load(
        "checkins",
        ("member_id", "day", "at", "study_id"),
        ((m, shape.day(d), _at(shape.day(d), m % 600), None)
         for m in range(1, n + 1) for d in act.days(act.checkins[m])),
    )  # fmt: skip

    def sessions() -> Iterator[tuple[object, ...]]:
        sid = 0
        for m in range(1, n + 1):
            for d in act.days(act.quizzes[m]):
                sid += 1
                day = shape.day(d)
                right = sum(1 for k in range(5) if (sid * 31 + k) % 10 >= 2)
                yield (sid, m, day, "daily", 0, 5, _at(day, 600 + m % 200),
                       _at(day, 605 + m % 200), right, 6, 5, right)  # fmt: skip

    load(
        "quiz_sessions",
        ("id", "member_id", "day", "kind", "seq", "size", "started_at", "finished_at", "score",
         "points", "answered", "correct"),
        sessions(),
    )  # fmt: skip
    q = len(questions)

    results: dict[tuple[str, str], list[int]] = {}  # (day, question) -> [answered, right]

    def attempts() -> Iterator[tuple[object, ...]]:
        sid = 0
        for m in range(1, n + 1):
            for d in act.days(act.quizzes[m]):
                sid += 1
                day = shape.day(d)
                at = _at(day, 601 + m % 200)
                for k in range(5):
                    qid = questions[(sid * 7 + k * 53) % q]
                    right = (sid * 31 + k) % 10 >= 2
                    tally = results.setdefault((day, qid), [0, 0])
                    tally[0] += 1
                    tally[1] += right
                    yield (sid, k + 1, qid, 0, "ABCD", at, at, "A", int(right), 0)

    load(
        "quiz_attempts",
        ("session_id", "position", "question_id", "review", "shown", "sent_at", "answered_at",
         "answer", "correct", "skipped"),
        attempts(),
    )  # fmt: skip

    load(
        "quiz_results",
        ("day", "question_id", "answered", "correct"),
        ((day, qid, a, r) for (day, qid), (a, r) in sorted(results.items())),
    )

    def seen_and_reviews() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        seen: list[tuple[object, ...]] = []
        reviews: list[tuple[object, ...]] = []
        sid = 0
        for m in range(1, n + 1):
            mine: dict[str, str] = {}
            wrong: dict[str, str] = {}
            for d in act.days(act.quizzes[m]):
                sid += 1
                day = shape.day(d)
                if len(mine) + 5 > q:
                    mine = {}  # the whole bank seen: a new cycle
                for k in range(5):
                    qid = questions[(sid * 7 + k * 53) % q]
                    mine[qid] = day
                    if (sid * 31 + k) % 10 < 2 and d >= shape.days - 7:
                        wrong[qid] = day
            seen += [(m, qid, day) for qid, day in mine.items()]
            reviews += [
                (m, qid, day, 0, (date.fromisoformat(day) + timedelta(days=1)).isoformat(), 1)
                for qid, day in wrong.items()
            ]
        return seen, reviews

    seen, reviews = seen_and_reviews()
    load("quiz_seen", ("member_id", "question_id", "day"), iter(seen))
    load(
        "quiz_reviews",
        ("member_id", "question_id", "missed_day", "step", "due_day", "open"),
        iter(reviews),
    )
    del seen, reviews

    def points() -> Iterator[tuple[object, ...]]:
        for m in range(1, n + 1):
            for d in act.days(act.checkins[m]):
                day = shape.day(d)
                yield (m, day, "checkin", day, 1, "学习打卡", _at(day, m % 600))
            for d in act.days(act.quizzes[m]):
                day = shape.day(d)
                yield (m, day, "quiz", day, 6, "每日答题", _at(day, 605 + m % 200))

    load("points", ("member_id", "day", "kind", "ref", "amount", "note", "at"), points())

    rng = random.Random(shape.seed + 1)
    load(
        "kb_questions",
        ("channel", "openid", "member_id", "text", "norm", "outcome", "entry_id", "score",
         "asked_at"),
        (("wechat", f"s{m}", m, "党费交纳标准是多少", "党费交纳标准是多少", "answered", "party-dues",
          0.9, _at(shape.day(d), m % 600))
         for d in range(shape.days) for m in rng.sample(range(1, n + 1), int(n * QUESTION_RATE))),
    )  # fmt: skip

    recent = range(shape.days - KEEP_DAYS, shape.days)
    study_reply = ("<xml>" + STUDY_TEXT + "</xml>").encode() + b" " * 300
    quiz_reply = ("<xml>" + "第1/5题 · 单选题 " + "题干选项" * 40 + "</xml>").encode()

    def inbound() -> Iterator[tuple[object, ...]]:
        for d in recent:
            day = shape.day(d)
            bit = 1 << d
            for m in range(1, n + 1):
                msgs: list[tuple[str, str, bytes]] = []
                if act.checkins[m] & bit:
                    msgs.append(("打卡", "checkin", study_reply))
                if act.quizzes[m] & bit:
                    msgs.append(("答题", "quiz", quiz_reply))
                    msgs += [("A", "state:quiz", quiz_reply)] * 5
                for i, (text, intent, response) in enumerate(msgs):
                    at = _at(day, m % 600 + i)  # (keys begin with the time, as the app's do)
                    sent = int(datetime.fromisoformat(at).timestamp())
                    yield (f'wechat:msg:{sent:010d}:["{d}-{i}", "s{m}"]', "wechat", f"s{m}",
                           "text", text, at, "done", text, intent, response)  # fmt: skip

    load(
        "inbound_log",
        ("key", "channel", "openid", "msg_type", "content", "received_at", "status", "reply",
         "intent", "response"),
        inbound(),
    )  # fmt: skip

    def pushes() -> Iterator[tuple[object, ...]]:
        for d in recent:
            day = shape.day(d)
            bit = 1 << d
            for m in range(1, n + 1):
                yield (f"study|{day}|{m}", "study", day, m, "study", STUDY_TEXT, "sent", 1,
                       _at(day, 0), "wechat:custom", _at(day, 0), _at(day, 1))  # fmt: skip
                if not (act.checkins[m] | act.quizzes[m]) & bit:
                    yield (f"reminder|{day}|{m}", "reminder", day, m, "reminder",
                           f"【学习提醒】党员{m}同志，今天还没有学习哦。", "sent", 1, _at(day, 720),
                           "wechat:custom", _at(day, 720), _at(day, 721))  # fmt: skip

    load(
        "outbox",
        ("key", "job", "period", "member_id", "kind", "text", "status", "attempts",
         "next_attempt_at", "channel", "created_at", "sent_at"),
        pushes(),
    )  # fmt: skip

    def pruned() -> Iterator[tuple[object, ...]]:
        for d in range(shape.days - KEEP_DAYS):
            day = shape.day(d)
            bit = 1 << d
            idle = sum(1 for m in range(1, n + 1) if not (act.checkins[m] | act.quizzes[m]) & bit)
            yield ("study", day, "sent", "", n)
            yield ("reminder", day, "sent", "", idle)

    load("outbox_pruned", ("job", "period", "status", "reason", "n"), pruned())

    if not store.is_sqlite:  # explicit ids: move the sequences past them
        for table in ("branches", "party_groups", "members", "quiz_sessions"):
            store.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
            )
        store.execute("ANALYZE")
    else:
        store.execute("ANALYZE")
    if log:
        total = sum(counts.values())
        print(f"  {'total':<16}{total:>12,} rows {time.perf_counter() - t0:7.1f} s")
    return counts


def bank_ids() -> list[str]:
    from bot.config import SHIPPED_QUIZZES
    from bot.quiz.bank import QuizBank

    return sorted(q.id for q in QuizBank.load(SHIPPED_QUIZZES).questions)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("target", help="a SQLite file path or a postgresql:// URL (empty database)")
    ap.add_argument("--members", type=int, default=50_000)
    ap.add_argument("--branches", type=int, default=200)
    ap.add_argument("--groups", type=int, default=1_000)
    args = ap.parse_args()
    store = open_store(args.target)
    build(store, Shape(args.members, args.branches, args.groups), bank_ids())
    store.close()


if __name__ == "__main__":
    main()
