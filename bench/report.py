"""积分评星 at size: a year of activity for 5,000 members; the yearly workbook, and 我的积分 and
排行 against 帮助 in the same run.

    .venv/bin/python bench/report.py [--members 5000] [--days 365] [--samples 400] [--db URL]

Builds a database (a SQLite file in a temporary folder, or an empty database given by --db,
e.g. a PostgreSQL URL) with `--members` members in 支部 of 250 and 党小组 of 50 and `--days`
days of activity ending on 2026-12-31: check-ins, daily quizzes (sets and ledger rows, with
the perfect-quiz bonus), a 支部 meeting a month with sign-ins, approved and rejected claims,
a few 心得 and adjustments, monthly group scores — inserted in bulk, then the per-period sums
rebuilt (`storage.points.rebuild_sums`). Then measures:

- the yearly workbook (`dangjian report --period 2026 --xlsx`): build and write (target < 10 s);
- 我的积分, 排行 and 帮助 through the router in process (no HTTP), interleaved, from `--samples`
  bound members: p50 and p99 of each and the ratio to 帮助 (target p99 < 50 ms).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clock import FixedClock, stamp  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.dialog.router import Router  # noqa: E402
from bot.dialog.types import Inbound  # noqa: E402
from bot.periods import parse_period  # noqa: E402
from bot.points import report  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.text import name_key  # noqa: E402
from storage import members as members_store  # noqa: E402
from storage import points as ledger  # noqa: E402
from storage.members import RosterRow, upsert_roster  # noqa: E402

BRANCH_SIZE = 250
GROUP_SIZE = 50
END = date(2026, 12, 31)
CHUNK = 20_000


def roster(n: int) -> list[RosterRow]:
    rows = []
    for i in range(n):
        branch = f"第{i // BRANCH_SIZE + 1:03d}党支部"
        group = f"第{i // GROUP_SIZE + 1:04d}党小组"
        role = "支部书记" if i % BRANCH_SIZE == 0 else "党小组长" if i % GROUP_SIZE == 0 else "党员"
        rows.append(RosterRow(f"党员{i:05d}", f"139{i:08d}", branch, group, role, "员工"))
    return rows


def insert(store, sql: str, rows: list[dict]) -> None:  # type: ignore[no-untyped-def,type-arg]
    for i in range(0, len(rows), CHUNK):
        with store.tx():
            store.executemany(sql, rows[i : i + CHUNK])


def generate(services, days: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    store = services.store
    rnd = random.Random(12)
    people = members_store.all_active(store)
    start = END - timedelta(days=days - 1)
    checkins, sessions, points = [], [], []
    for m in people:
        keen = rnd.uniform(0.2, 0.95)
        for d in range(days):
            day = (start + timedelta(days=d)).isoformat()
            at = f"{day}T01:00:00+00:00"
            if rnd.random() < keen:
                checkins.append({"m": m.id, "day": day, "at": at})
                points.append({"m": m.id, "day": day, "k": "checkin", "r": day, "a": 1, "at": at})
            if rnd.random() < keen * 0.8:
                score = min(5, int(rnd.random() * 6.5))
                sessions.append({"m": m.id, "day": day, "at": at, "s": score, "p": score})
                if score:
                    points.append(
                        {
                            "m": m.id,
                            "day": day,
                            "k": "quiz",
                            "r": f"daily:{day}",
                            "a": score,
                            "at": at,
                        }
                    )
                if score == 5:
                    points.append(
                        {
                            "m": m.id,
                            "day": day,
                            "k": "quiz_perfect",
                            "r": f"perfect:{day}",
                            "a": 1,
                            "at": at,
                        }
                    )
    insert(store, "INSERT INTO checkins (member_id, day, at) VALUES (:m, :day, :at)", checkins)
    insert(
        store,
        "INSERT INTO quiz_sessions (member_id, day, kind, seq, size, started_at, finished_at,"
        " score, points) VALUES (:m, :day, 'daily', 0, 5, :at, :at, :s, :p)",
        sessions,
    )
    # A 支部党员大会 a month, 85% signed in; claims; 心得; adjustments.
    by_branch: dict[int, list[int]] = {}
    for m in people:
        by_branch.setdefault(m.branch_id, []).append(m.id)
    meeting_members, claims, reflections, n_meetings = [], [], [], 0
    for branch_id, ids in by_branch.items():
        for month in range(1, 13):
            day = date(END.year, month, 15)
            if day < start:
                continue
            at = f"{day.isoformat()}T07:00:00+00:00"
            meeting_id = store.scalar(
                "INSERT INTO meetings (branch_id, type, starts_at, place, code, created_at)"
                " VALUES (:b, '支部党员大会', :at, '会议室', '1234', :at) RETURNING id",
                {"b": branch_id, "at": at},
            )
            n_meetings += 1
            for who in ids:
                signed = rnd.random() < 0.85
                meeting_members.append(
                    {"mt": meeting_id, "m": who, "s": "signed" if signed else "invited", "at": at}
                )
                if signed:
                    points.append(
                        {
                            "m": who,
                            "day": day.isoformat(),
                            "k": "meeting",
                            "r": str(meeting_id),
                            "a": 2,
                            "at": at,
                        }
                    )
    insert(
        store,
        "INSERT INTO meeting_members (meeting_id, member_id, status, at) VALUES (:mt, :m, :s, :at)",
        meeting_members,
    )
    months = [mo for mo in range(1, 13) if date(END.year, mo, 28) >= start]
    for m in people:
        for month in months:
            if rnd.random() < 0.15:
                day = date(END.year, month, 10).isoformat()
                ok = rnd.random() < 0.8
                claims.append(
                    {
                        "m": m.id,
                        "day": day,
                        "at": f"{day}T02:00:00+00:00",
                        "s": "approved" if ok else "rejected",
                        "p": 3 if ok else 0,
                    }
                )
                if ok:
                    points.append(
                        {
                            "m": m.id,
                            "day": day,
                            "k": "volunteer",
                            "r": f"bench:{month}",
                            "a": 3,
                            "at": f"{day}T02:00:00+00:00",
                        }
                    )
            if rnd.random() < 0.1:
                day = date(END.year, month, 20).isoformat()
                reflections.append(
                    {
                        "m": m.id,
                        "day": day,
                        "t": f"第{month}月学习体会",
                        "at": f"{day}T02:00:00+00:00",
                    }
                )
                points.append(
                    {
                        "m": m.id,
                        "day": day,
                        "k": "reflection",
                        "r": f"bench:{month}",
                        "a": 1,
                        "at": f"{day}T02:00:00+00:00",
                    }
                )
    insert(
        store,
        "INSERT INTO claims (member_id, rule, text, day, status, created_at, points)"
        " VALUES (:m, 'volunteer', '社区志愿服务', :day, :s, :at, :p)",
        claims,
    )
    insert(
        store,
        "INSERT INTO reflections (member_id, day, text, at, printed) VALUES (:m, :day, :t, :at, 1)",
        reflections,
    )
    insert(
        store,
        "INSERT INTO points (member_id, day, kind, ref, amount, note, at, version)"
        " VALUES (:m, :day, :k, :r, :a, '', :at, 1)",
        points,
    )
    scores = [
        {"g": int(g["id"]), "mo": f"{END.year}-{month:02d}", "i": item, "s": rnd.randint(5, 10)}
        for g in members_store.groups(store)
        for month in months
        for item in ("resolutions", "activities", "performance")
    ]
    insert(
        store,
        "INSERT INTO group_scores (group_id, month, item, score, at) VALUES (:g, :mo, :i, :s, 't')",
        scores,
    )
    sums = ledger.rebuild_sums(store)
    return {
        "check-ins": len(checkins),
        "quiz sets": len(sessions),
        "meetings": n_meetings,
        "claims": len(claims),
        "ledger rows": len(points),
        "period sums": sums,
    }


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--db", default="", help="an empty database (default: a SQLite file)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="--db holds a database made by this bench: measure only",
    )
    args = parser.parse_args()
    db = args.db or str(Path(tempfile.mkdtemp()) / "report.db")
    clock = FixedClock(f"{END.isoformat()}T10:00:00+08:00")
    settings = load_settings(env={}, dotenv=None, db=db, simulator="off")
    services = build_services(settings, clock=clock)
    store = services.store
    t0 = time.perf_counter()
    counts: dict[str, int] = {}
    if not args.reuse:
        upsert_roster(store, roster(args.members), stamp(clock.now()), name_key=name_key)
        counts = generate(services, args.days)
    print(
        f"data: {args.members} members, {len(members_store.branches(store))} 支部,"
        f" {len(members_store.groups(store))} 党小组, {args.days} days in"
        f" {time.perf_counter() - t0:.0f} s ({store.describe()}): "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
    )

    out = Path(tempfile.mkdtemp()) / "report.xlsx"
    t0 = time.perf_counter()
    built = report.build(
        store,
        services.points,
        parse_period(str(END.year)),
        END.isoformat(),
        ZoneInfo("Asia/Shanghai"),
    )
    t1 = time.perf_counter()
    report.write_xlsx(built, out)
    t2 = time.perf_counter()
    print(
        f"yearly workbook ({len(built.sheets[0].rows):,} members): build {t1 - t0:.2f} s + write"
        f" {t2 - t1:.2f} s = {t2 - t0:.2f} s (target < 10 s), {out.stat().st_size / 1e6:.1f} MB"
    )

    people = members_store.all_active(store)
    sample = random.Random(3).sample(people, min(args.samples, len(people)))
    for m in sample:
        members_store.bind(store, "wechat", f"o-{m.id}", m.id, stamp(clock.now()))
    router = Router(services)
    run = time.time_ns()  # message ids new to the inbound log, also with --reuse
    seq = 0
    times: dict[str, list[float]] = {"帮助": [], "我的积分": [], "排行": []}
    expect = {
        "帮助": "我能帮你做这些",
        "我的积分": "的积分：本月",
        "排行": "党小组排行（人均积分）",
    }
    for m in sample:
        for text in times:
            seq += 1
            inbound = Inbound("wechat", f"o-{m.id}", "text", text=text, msg_id=f"{run}{seq}")
            t0 = time.perf_counter()
            outcome = router.handle(inbound, lambda r: r.text.encode())
            times[text].append(time.perf_counter() - t0)
            assert expect[text] in outcome.reply.text, outcome.reply.text
    base = statistics.median(times["帮助"])
    for text, xs in times.items():
        p50, p99 = statistics.median(xs), percentile(xs, 0.99)
        print(
            f"{text:6s} n={len(xs)} p50 {p50 * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms"
            f"  p50 x帮助 {p50 / base:4.2f}" + ("  (target p99 < 50 ms)" if text != "帮助" else "")
        )
    store.close()


if __name__ == "__main__":
    main()
