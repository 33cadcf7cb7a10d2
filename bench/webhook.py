"""Webhook throughput: the real app under gunicorn (2 sync workers) against a minimal echo app
that only parses the XML with wechatpy, driven by the same load in the same run.

    .venv/bin/python bench/webhook.py [--requests 3000] [--concurrency 8] [--members 500]

Prints requests/s and p50/p99 latency for each, and the ratio. Target: the real path reaches at
least 50% of the echo's requests/s, with p99 under 100 ms. Only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.callback import signature  # noqa: E402
from bot.channels.peer import WeChatPeer  # noqa: E402

TOKEN = "bench-token"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(port: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not start")


def prepare_db(path: Path, members: int) -> None:
    from bot.clock import SystemClock, stamp
    from bot.demo import load_demo
    from storage import open_store

    store = open_store(path)
    now = stamp(SystemClock().now())
    load_demo(store, now)
    with store.tx():
        for i in range(members):
            member_id = store.scalar(
                "INSERT INTO members (name, phone, branch_id, group_id, role, category,"
                " created_at, updated_at) VALUES (:name, :phone, 1, 1, '党员', '员工', :now, :now)"
                " RETURNING id",
                {"name": f"测试{i}", "phone": f"139{i:08d}", "now": now},
            )
            store.execute(
                "INSERT INTO bindings (channel, openid, member_id, bound_at)"
                " VALUES ('wechat', :openid, :member_id, :now)",
                {"openid": f"bench-{i}", "member_id": member_id, "now": now},
            )
    store.close()


def build_requests(n: int, members: int) -> list[tuple[str, bytes]]:
    peer = WeChatPeer(lambda *a: (200, b""), TOKEN)
    out = []
    for i in range(n):
        openid = f"bench-{i % members}"
        text = "打卡" if i % 2 == 0 else "帮助"
        ts = str(int(time.time()))
        nonce = f"n{i}"
        query = urlencode(
            {"timestamp": ts, "nonce": nonce, "signature": signature(TOKEN, ts, nonce)}
        )
        out.append(
            (f"/wechat?{query}", peer.text_xml(openid, text, msg_id=str(10**9 + i)).encode())
        )
    return out


def drive(
    port: int, reqs: list[tuple[str, bytes]], concurrency: int
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    index = iter(range(len(reqs)))

    def worker() -> None:
        nonlocal errors
        while True:
            with lock:
                i = next(index, None)
            if i is None:
                return
            path, body = reqs[i]
            start = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("POST", path, body, {"Content-Type": "text/xml"})
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            except OSError:
                ok = False
            finally:
                conn.close()
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                errors += 0 if ok else 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies, errors


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--members", type=int, default=500)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    db = tmp / "bench.db"
    prepare_db(db, args.members)
    env = {
        **os.environ,
        "DANGJIAN_DB": str(db),
        "DANGJIAN_WECHAT_TOKEN": TOKEN,
        "DANGJIAN_SIMULATOR": "off",
    }
    real_port, echo_port = free_port(), free_port()
    real = subprocess.Popen(
        [
            str(BIN / "dangjian"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(real_port),
            "--workers",
            "2",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    echo = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-w",
            "2",
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{echo_port}",
            "bench.echo_app:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        wait_up(real_port)
        wait_up(echo_port)
        warm = build_requests(50, args.members)
        drive(echo_port, warm, 2)
        drive(real_port, [(p, b.replace(b"<MsgId>1", b"<MsgId>9")) for p, b in warm], 2)
        results = {}
        for name, port in (("echo", echo_port), ("real", real_port)):
            reqs = build_requests(args.requests, args.members)
            wall, lat, errors = drive(port, reqs, args.concurrency)
            results[name] = (len(lat) / wall, pct(lat, 0.5), pct(lat, 0.99), errors)
        print(
            f"webhook bench: {args.requests} signed requests (打卡/帮助) from {args.members} members, "
            f"concurrency {args.concurrency}, gunicorn 2 sync workers each"
        )
        print(f"{'app':<6}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
        for name, (rps, p50, p99, errors) in results.items():
            print(f"{name:<6}{rps:>10.0f}{p50:>10.1f}{p99:>10.1f}{errors:>8}")
        ratio = results["real"][0] / results["echo"][0]
        print(
            f"ratio real/echo requests/s: {ratio:.2f} (target >= 0.50); real p99 {results['real'][2]:.1f} ms (target < 100)"
        )
    finally:
        for p in (real, echo):
            p.terminate()
        for p in (real, echo):
            p.wait(timeout=10)


if __name__ == "__main__":
    main()
