"""A large organization with a year of activity, on SQLite and on PostgreSQL (issue 11).

    .venv/bin/python bench/scale.py [--members 50000] [--branches 200] [--groups 1000]
                                    [--engines sqlite,pg] [--pg auto|URL] [--samples 200]
                                    [--seconds 10] [--keep DIR]

For each engine, in one run:

1. builds the data set (bench/dataset.py: bulk inserts; the time is printed);
2. the database size, and per member-year;
3. p50/p99 of 帮助, 我的积分, 排行, 答题 (starting today's set) and 未完成 (a 支部书记: the
   whole 支部), interleaved, through the router in process (no HTTP), with the clock on the
   last evening of the year; target: each within 5x 帮助 at p50;
4. throughput of the webhook mix (40% 打卡, 20% 帮助, 20% 我的积分, 20% a policy question) from
   the members against `dangjian serve` (2 workers), without and with a secretary sending
   未完成 once a second, rounds interleaved; target: within 10% of without;
5. the time of the yearly `dangjian points --level 党员 --period 年 --xlsx` and
   `dangjian quiz-stats` for the year.

PostgreSQL needs Debian's postgresql package (`--pg auto` starts a private cluster in a
temporary folder with durable settings) or a server URL where databases may be created.
Nothing here asserts a time; the figures go in the README.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    BIN,
    HEADER,
    Load,
    drive,
    free_port,
    fresh_pg_database,
    private_pg,
    signed_text,
    start,
    stop,
    wait_up,
)
from bench.dataset import Shape, bank_ids, build  # noqa: E402
from storage import Store, open_store  # noqa: E402

TOKEN = "scale-token"
EVENING = "2026-12-31T19:00:00+08:00"
COMMANDS = ("帮助", "我的积分", "排行", "答题", "未完成")
MIX = (
    "打卡",
    "打卡",
    "帮助",
    "我的积分",
    "党费交纳标准",
    "打卡",
    "打卡",
    "帮助",
    "我的积分",
    "许可证怎么延续",
)


def size_of(store: Store, target: str) -> int:
    if store.is_sqlite:  # the database's pages, whether in the file or still in the WAL
        return int(store.scalar("PRAGMA page_count")) * int(store.scalar("PRAGMA page_size"))
    return int(store.scalar("SELECT pg_database_size(current_database())"))


def who_sends(
    store: Store, shape: Shape, day: str, samples: int, skip: int = 0
) -> dict[str, list[int]]:
    """Senders per command: 答题 from members with no set on `day` yet, 未完成 from the
    secretaries, the rest from anyone; `skip` leaves out the first ones (a second run)."""
    idle = [
        int(r["id"])
        for r in store.query(
            "SELECT m.id FROM members m WHERE m.role = '党员' AND NOT EXISTS (SELECT 1 FROM"
            " quiz_sessions s WHERE s.member_id = m.id AND s.day = :day) ORDER BY m.id"
            " LIMIT :n",
            {"day": day, "n": samples + skip},
        )
    ][skip:]
    secretaries = [
        int(r["id"]) for r in store.query("SELECT id FROM members WHERE role = '支部书记'")
    ]
    rng = random.Random(5 + skip)
    everyone = range(shape.groups + 1, shape.members + 1)
    out: dict[str, list[int]] = {}
    for command in COMMANDS:
        if command == "答题":
            out[command] = [idle[i % len(idle)] for i in range(samples)]
        elif command == "未完成":
            out[command] = [secretaries[i % len(secretaries)] for i in range(samples)]
        else:
            out[command] = [rng.choice(everyone) for _ in range(samples)]
    return out


def latencies(target: str, shape: Shape, samples: int) -> dict[str, list[float]]:
    """Each command from `samples` members (未完成: secretaries), interleaved, through the
    router in process."""
    from bot.clock import FixedClock
    from bot.config import SHIPPED_CONTENT, SHIPPED_QUIZZES, load_settings
    from bot.dialog.router import Router
    from bot.dialog.types import Inbound
    from bot.services import build_services

    settings = load_settings(
        env={},
        dotenv=None,
        db=target,
        content_dir=str(SHIPPED_CONTENT),
        quiz_dir=str(SHIPPED_QUIZZES),
        simulator="off",
    )
    services = build_services(settings, clock=FixedClock(EVENING))
    store = services.store
    router = Router(services)
    senders = who_sends(store, shape, shape.last_day, samples)
    times: dict[str, list[float]] = {c: [] for c in COMMANDS}
    for i in range(samples):
        for command in COMMANDS:
            inbound = Inbound(
                "wechat", f"s{senders[command][i]}", "text", text=command, msg_id=f"9{i}"
            )
            t0 = time.perf_counter()
            outcome = router.handle(inbound, lambda r: r.text.encode())
            times[command].append(time.perf_counter() - t0)
            assert outcome.intent != "error", (command, outcome.reply.text)
    store.close()
    return times


def pct(xs: list[float], q: float) -> float:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def mix_requests(shape: Shape, count: int, first: int) -> list[tuple[str, bytes]]:
    out = []
    members = shape.members - shape.groups
    for i in range(first, first + count):
        who = shape.groups + 1 + (i * 7919) % members
        out.append(signed_text(TOKEN, f"s{who}", MIX[i % len(MIX)], 10**10 + i, f"m{i}"))
    return out


def http_latencies(port: int, senders: dict[str, list[int]]) -> dict[str, list[float]]:
    """The same commands as signed callbacks to `serve`, one at a time (what a member waits)."""
    import http.client

    times: dict[str, list[float]] = {c: [] for c in COMMANDS}
    samples = len(senders[COMMANDS[0]])
    for i in range(samples):
        for n, command in enumerate(COMMANDS):
            path, body = signed_text(
                TOKEN, f"s{senders[command][i]}", command, 10**12 + i * 10 + n, f"h{i}-{n}"
            )
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            t0 = time.perf_counter()
            conn.request("POST", path, body, {"Content-Type": "text/xml"})
            reply = conn.getresponse()
            reply.read()
            times[command].append(time.perf_counter() - t0)
            conn.close()
            assert reply.status == 200, (command, reply.status)
    return times


def show_latencies(times: dict[str, list[float]]) -> None:
    base = statistics.median(times["帮助"])
    print(f"{'command':<10}{'p50 ms':>9}{'p99 ms':>9}{'p50 / 帮助':>12}")
    for command in COMMANDS:
        p50 = statistics.median(times[command])
        print(
            f"{command:<10}{p50 * 1000:>9.1f}{pct(times[command], 0.99):>9.1f}{p50 / base:>12.1f}"
        )


def throughput(
    target: str, shape: Shape, args: argparse.Namespace, logdir: Path
) -> list[tuple[str, Load]]:
    """Latencies over HTTP, then the mix against `serve`, without and with 未完成 once a
    second, interleaved."""
    from bot.clock import SystemClock, day_of

    port = free_port()
    env = {
        **os.environ,
        "DANGJIAN_DB": target,
        "DANGJIAN_WECHAT_TOKEN": TOKEN,
        "DANGJIAN_SIMULATOR": "off",
        "DANGJIAN_HOME": str(logdir),
    }
    proc = start(
        [str(BIN / "dangjian"), "serve", "--port", str(port), "--workers", "2"],
        env,
        logdir / "serve.log",
    )
    results: list[tuple[str, Load]] = []
    seconds = args.seconds
    try:
        wait_up(port)
        store = open_store(target)
        today = day_of(SystemClock().now())  # what `serve` calls today
        senders = who_sends(store, shape, today, args.samples, skip=args.samples)
        store.close()
        print("\nlatency over HTTP (signed callbacks to serve, one at a time)")
        show_latencies(http_latencies(port, senders))
        n = 0
        warm = mix_requests(shape, 300, n)
        n += 300
        drive(port, warm, 3, 4)
        print("\nthroughput of the mix (serve, 2 workers)")
        print(HEADER)
        for label in ("without", "with", "without", "with"):
            stop_flag = threading.Event()
            sent: list[float] = []
            secretary = threading.Thread(
                target=_secretary, args=(port, stop_flag, sent, n), daemon=True
            )
            if label == "with":
                secretary.start()
            batch = mix_requests(shape, int(seconds * 3000), n)
            n += len(batch) + 1000
            results.append((f"mix {label} 未完成", drive(port, batch, seconds, 8)))
            print(results[-1][1].row(results[-1][0]))
            stop_flag.set()
            if label == "with":
                secretary.join()
                if sent:
                    print(
                        f"  (未完成 sent {len(sent)} times, p50 {pct(sent, 0.5):.0f} ms,"
                        f" max {max(sent) * 1000:.0f} ms)"
                    )
            time.sleep(1)
    finally:
        stop([proc])
    return results


def _secretary(port: int, stop_flag: threading.Event, sent: list[float], n: int) -> None:
    import http.client

    i = 0
    while not stop_flag.is_set():
        i += 1
        path, body = signed_text(TOKEN, "s1", "未完成", 10**11 + n + i, f"u{n}-{i}")
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("POST", path, body, {"Content-Type": "text/xml"})
            conn.getresponse().read()
        except OSError:
            pass
        finally:
            conn.close()
        took = time.perf_counter() - t0
        sent.append(took)
        stop_flag.wait(max(0.0, 1.0 - took))


def timed_cli(target: str, args: list[str], logdir: Path) -> float:
    env = {**os.environ, "DANGJIAN_DB": target, "DANGJIAN_HOME": str(logdir)}
    t0 = time.perf_counter()
    subprocess.run(
        [str(BIN / "dangjian"), *args], env=env, check=True, capture_output=True, cwd=logdir
    )
    return time.perf_counter() - t0


def run_engine(
    name: str, target: str, shape: Shape, args: argparse.Namespace, logdir: Path
) -> dict[str, object]:
    print(f"\n== {name}: {shape.members:,} members, {shape.branches} 支部, {shape.groups} 党小组")
    store = open_store(target)
    t0 = time.perf_counter()
    build(store, shape, bank_ids())
    built = time.perf_counter() - t0
    size = size_of(store, target)
    store.close()
    print(
        f"data set built in {built:.0f} s; size {size / 1e9:.2f} GB,"
        f" {size / shape.members / 1e3:.0f} kB per member-year"
    )
    times = latencies(target, shape, args.samples)
    print("\nlatency in process (the router, no HTTP)")
    show_latencies(times)
    loads = throughput(target, shape, args, logdir)
    without = statistics.mean(x.rps for label, x in loads if "without" in label)
    with_ = statistics.mean(x.rps for label, x in loads if "without" not in label)
    print(f"with 未完成 / without: {with_ / without:.2f} (target >= 0.90)")
    xlsx = logdir / f"points-{name}.xlsx"
    points_s = timed_cli(
        target,
        [
            "points",
            "--level",
            "党员",
            "--period",
            "年",
            "--date",
            shape.last_day,
            "--xlsx",
            str(xlsx),
        ],
        logdir,
    )
    stats_s = timed_cli(
        target, ["quiz-stats", "--from", shape.day(0), "--to", shape.last_day], logdir
    )
    print(f"\nyearly `points --xlsx` {points_s:.1f} s; yearly `quiz-stats` {stats_s:.1f} s")
    return {
        "built": built,
        "size": size,
        "p50": {c: statistics.median(t) for c, t in times.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--members", type=int, default=50_000)
    ap.add_argument("--branches", type=int, default=200)
    ap.add_argument("--groups", type=int, default=1_000)
    ap.add_argument("--engines", default="sqlite,pg")
    ap.add_argument("--pg", default="auto", help="auto | a postgresql:// server URL")
    ap.add_argument("--samples", type=int, default=200, help="messages per command")
    ap.add_argument("--seconds", type=float, default=10, help="per throughput measurement")
    ap.add_argument("--keep", type=Path, help="build the SQLite file here and keep it")
    args = ap.parse_args()
    shape = Shape(args.members, args.branches, args.groups)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-scale-")))
        if "sqlite" in engines:
            folder = args.keep or tmp
            folder.mkdir(parents=True, exist_ok=True)
            target = str(folder / "scale.db")
            for suffix in ("", "-wal", "-shm", ".lock"):
                Path(target + suffix).unlink(missing_ok=True)
            run_engine("SQLite", target, shape, args, tmp)
        if "pg" in engines:
            try:
                server = args.pg if "://" in args.pg else stack.enter_context(private_pg())
            except Exception as exc:
                print(f"\nPostgreSQL skipped: {exc}")
            else:
                url = stack.enter_context(fresh_pg_database(server, f"bench_scale_{os.getpid()}"))
                run_engine("PostgreSQL", url, shape, args, tmp)


if __name__ == "__main__":
    main()
