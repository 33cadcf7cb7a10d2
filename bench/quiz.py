"""Quiz latency in the dialog layer: a quiz answer against a plain command, same run, same DB.

    .venv/bin/python bench/quiz.py [--members 100] [--days 30]

Builds a database where every member has answered the daily quiz for `--days` days (the shipped
bank, a few wrong answers each day, so reviews and seen lists are real), then drives the router
in process (no HTTP) with `答题` + five answers per member, and with `我的积分` as the baseline.
Prints mean and p99 per message and the ratio quiz / baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clock import FixedClock, stamp  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.dialog.router import Router  # noqa: E402
from bot.dialog.types import Inbound  # noqa: E402
from bot.quiz import play  # noqa: E402
from bot.quiz.bank import QuizBank  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.text import name_key  # noqa: E402
from storage import members as members_store  # noqa: E402
from storage import quiz as store_quiz  # noqa: E402
from storage.members import RosterRow, upsert_roster  # noqa: E402

HEADER = "题 · "


def history(services, bank: QuizBank, ids: list[int], start: date, days: int) -> None:  # type: ignore[no-untyped-def]
    store = services.store
    for d in range(days):
        day = (start + timedelta(days=d)).isoformat()
        at = stamp(datetime.fromisoformat(f"{day}T09:00:00+08:00"))
        with store.tx():
            for who in ids:
                sid = play.start_set(store, bank, who, day, "daily", 5, at)
                assert sid is not None
                session = store_quiz.get_session(store, sid)
                n = 0
                while (cur := play.current(store, bank, sid)) is not None:
                    play.present(store, who, day, cur, at)
                    right = play.right_answer(cur.question, cur.shown)
                    wrong = (who + d + n) % 7 == 0
                    given = (
                        ("错" if right == "对" else "A" if right != "A" else "B")
                        if wrong
                        else right
                    )
                    play.submit(store, who, session, cur, given, at)
                    n += 1
                play.finish(store, services.points, who, None, session, at)  # type: ignore[arg-type]


def timed(router: Router, openid: str, text: str, seq: list[int]) -> tuple[float, str]:
    seq[0] += 1
    inbound = Inbound("wechat", openid, "text", text=text, msg_id=str(seq[0]))
    t0 = time.perf_counter()
    outcome = router.handle(inbound, lambda r: r.text.encode())
    return time.perf_counter() - t0, outcome.reply.text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    start = date(2026, 11, 1)
    clock = FixedClock(f"{start.isoformat()}T08:00:00+08:00")
    settings = load_settings(env={}, dotenv=None, db=str(tmp / "bench.db"), simulator="off")
    services = build_services(settings, clock=clock)
    bank = services.quizzes
    rows = [
        RosterRow(f"党员{i}", f"139{i:08d}", "机关党支部", f"第{i % 4}党小组", "党员", "员工")
        for i in range(args.members)
    ]
    upsert_roster(services.store, rows, stamp(clock.now()), name_key=name_key)
    ids = [m.id for m in members_store.all_active(services.store)]
    for who in ids:
        members_store.bind(services.store, "wechat", f"o-{who}", who, stamp(clock.now()))
    t0 = time.perf_counter()
    history(services, bank, ids, start, args.days)
    print(f"bank {len(bank)} questions; history: {args.members} members x {args.days} days "
          f"in {time.perf_counter() - t0:.1f}s")  # fmt: skip
    today = start + timedelta(days=args.days)
    clock.set(f"{today.isoformat()}T10:00:00+08:00")
    router = Router(services)
    seq = [0]
    base: list[float] = []
    quiz: list[float] = []
    for who in ids:
        openid = f"o-{who}"
        base.append(timed(router, openid, "我的积分", seq)[0])
        took, reply = timed(router, openid, "答题", seq)
        quiz.append(took)
        for _ in range(10):  # five questions: a judge question gets 对, a blank 跳过, the rest A
            if HEADER not in reply or "本组答完" in reply:
                break
            last = reply.rsplit("题 · ", 1)[1]
            answer = (
                "对" if last.startswith("判断题") else "跳过" if last.startswith("填空题") else "A"
            )
            took, reply = timed(router, openid, answer, seq)
            quiz.append(took)
        assert "本组答完" in reply, reply
        base.append(timed(router, openid, "帮助", seq)[0])

    def show(name: str, xs: list[float]) -> float:
        xs = sorted(xs)
        mean = statistics.fmean(xs)
        p99 = xs[min(len(xs) - 1, int(len(xs) * 0.99))]
        print(f"{name:10s} n={len(xs):5d} mean {mean * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms")
        return mean

    b = show("baseline", base)
    q = show("quiz", quiz)
    print(f"ratio quiz/baseline (mean): {q / b:.2f}")
    services.store.close()


if __name__ == "__main__":
    main()
