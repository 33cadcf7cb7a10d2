"""Broadcast throughput: enqueue a notice to 10,000 members and drain the outbox against the
fake WeChat API on 127.0.0.1, with the rate limit lifted.

    .venv/bin/python bench/broadcast.py [--members 10000] [--workers 4] [--ceiling-requests 4000]

The fake API runs in its own process (tests/fakes/wechat_api.py). In the same run, a plain
client — a requests session per thread, as many threads as the dispatcher has workers — hammers
the fake's customer-service endpoint to measure its ceiling. Prints the enqueue time, the
dispatcher's sends/s, the ceiling and the ratio. Targets: enqueue < 2 s; dispatcher >= 50% of
the ceiling. Only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clock import day_of, stamp  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.jobs.dispatch import Dispatcher  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.text import name_key  # noqa: E402
from storage import outbox  # noqa: E402
from storage.members import RosterRow, upsert_roster  # noqa: E402
from tests.fakes.wechat_api import APPID, SECRET  # noqa: E402


def start_fake() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.wechat_api"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        raise SystemExit(f"the fake API did not start: {url!r}")
    return proc, url


def ceiling(url: str, threads: int, total: int) -> float:
    """Requests per second a plain client gets from the fake, `threads` sessions in parallel."""
    token = requests.get(
        f"{url}/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": APPID, "secret": SECRET},
        timeout=10,
    ).json()["access_token"]
    per = total // threads
    errors: list[str] = []

    def hammer(n: int) -> None:
        s = requests.Session()
        for i in range(per):
            body = {"touser": f"ceiling-{n}-{i}", "msgtype": "text", "text": {"content": "压测"}}
            r = s.post(
                f"{url}/cgi-bin/message/custom/send",
                params={"access_token": token},
                data=json.dumps(body, ensure_ascii=False).encode(),
                timeout=10,
            )
            if r.json().get("errcode") != 0:
                errors.append(r.text)

    workers = [threading.Thread(target=hammer, args=(n,)) for n in range(threads)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"ceiling run failed: {errors[0]}")
    return per * threads / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--ceiling-requests", type=int, default=4000)
    args = parser.parse_args()

    fake, url = start_fake()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = load_settings(
                env={"DANGJIAN_PUSH_WORKERS": str(args.workers), "DANGJIAN_PUSH_TIMEOUT": "10"},
                dotenv=None,
                wechat_appid=APPID,
                wechat_secret=SECRET,
                wechat_api_base=url,
                db=str(Path(tmp) / "bench.db"),
                simulator="off",
                push_rate=0.0,  # the rate limit lifted
            )
            services = build_services(settings)
            store = services.store
            now = stamp(services.clock.now())
            roster = [
                RosterRow(
                    f"党员{i:05d}", f"139{i:08d}", f"第{i % 20 + 1}党支部", None, "党员", "员工"
                )
                for i in range(args.members)
            ]
            upsert_roster(store, roster, now, name_key=name_key)
            ids = [int(r["id"]) for r in store.query("SELECT id FROM members ORDER BY id")]
            with store.tx():
                store.executemany(
                    "INSERT INTO bindings (channel, openid, member_id, bound_at)"
                    " VALUES ('wechat', :openid, :m, :now)",
                    [{"openid": f"o-{m}", "m": m, "now": now} for m in ids],
                )
                store.executemany(
                    "INSERT INTO followers (channel, openid, subscribed, first_seen_at,"
                    " last_inbound_at) VALUES ('wechat', :openid, 1, :now, :now)",
                    [{"openid": f"o-{m}", "now": now} for m in ids],
                )

            pushes = [
                outbox.Push(
                    "broadcast:1",
                    day_of(services.clock.now()),
                    m,
                    "notice",
                    "【支部通知】今晚7点在三楼会议室开会",
                )
                for m in ids
            ]
            t0 = time.perf_counter()
            added = outbox.enqueue(store, pushes, now)
            enqueue_s = time.perf_counter() - t0
            assert added == len(ids)

            fake_rps = ceiling(url, args.workers, args.ceiling_requests)
            requests.post(f"{url}/_fake/clear", timeout=10)

            dispatcher = Dispatcher(services, workers=args.workers)
            t0 = time.perf_counter()
            stats = dispatcher.drain()
            drain_s = time.perf_counter() - t0
            dispatcher.close()
            fake_stats = requests.get(f"{url}/_fake/stats", timeout=10).json()
            services.store.close()
    finally:
        fake.terminate()
        fake.wait(timeout=10)

    sends = stats.by_status.get("sent", 0)
    rate = sends / drain_s
    ratio = rate / fake_rps
    print(f"members                 {len(ids)}")
    print(f"enqueue                 {enqueue_s:.3f} s  (target < 2 s)")
    print(
        f"fake API ceiling        {fake_rps:.0f} requests/s  ({args.workers} plain client threads)"
    )
    print(
        f"dispatcher              {rate:.0f} sends/s  ({sends} sent in {drain_s:.2f} s, {args.workers} workers)"
    )
    print(f"ratio                   {ratio:.2f}  (target >= 0.50)")
    print(
        f"fake received           {fake_stats['messages']} messages to {fake_stats['recipients']}"
        f" members, {fake_stats['duplicates']} duplicates, {fake_stats['token_fetches']} token fetches"
    )
    ok = enqueue_s < 2 and ratio >= 0.5 and sends == len(ids) and fake_stats["duplicates"] == 0
    print("OK" if ok else "BELOW TARGET")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
