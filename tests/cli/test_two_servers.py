"""Two `dangjian serve` processes on one database (on PostgreSQL when DANGJIAN_TEST_PG is set:
two web hosts behind a load balancer) receive the same retried callback at the same moment:
one check-in per message, identical replies, no handler error."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from bot.channels.peer import PeerReply, WeChatPeer, http_transport
from bot.clock import SystemClock, stamp
from bot.demo import load_demo
from storage import open_store

TOKEN = "two-servers-token"
APPID = "wx1234567890abcdef"
MEMBERS = [
    ("张伟", "13800000003"),
    ("刘洋", "13800000004"),
    ("陈静", "13800000005"),
    ("杨帆", "13800000006"),
    ("赵磊", "13800000007"),
    ("黄敏", "13800000008"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve on port {port} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"serve on port {port} did not start")


def test_two_serve_processes_answer_a_retry_once(
    tmp_path: Path, new_db: Callable[..., str]
) -> None:
    target = new_db("shared.db")
    store = open_store(target)
    load_demo(store, stamp(SystemClock().now()))
    names = {r["phone"]: r["name"] for r in store.query("SELECT name, phone FROM members")}
    assert all(names.get(phone) == name for name, phone in MEMBERS)

    dangjian = str(Path(sys.executable).parent / "dangjian")
    env = {
        **os.environ,
        "DANGJIAN_DB": target,
        "DANGJIAN_WECHAT_TOKEN": TOKEN,
        "DANGJIAN_WECHAT_APPID": APPID,
        "DANGJIAN_SIMULATOR": "off",
    }
    ports = [_free_port(), _free_port()]
    logs = [tmp_path / f"serve-{p}.log" for p in ports]
    procs = [
        subprocess.Popen(
            [dangjian, "serve", "--host", "127.0.0.1", "--port", str(p), "--workers", "1"],
            env=env,
            cwd=tmp_path,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        for p, log in zip(ports, logs, strict=True)
    ]
    try:
        for p, proc in zip(ports, procs, strict=True):
            _wait_up(p, proc)
        peers = [WeChatPeer(http_transport(f"http://127.0.0.1:{p}"), TOKEN, APPID) for p in ports]
        for i, (name, phone) in enumerate(MEMBERS):
            bind = peers[i % 2].send(f"o-two-{i}", f"绑定 {name} {phone}", msg_id=f"77{i:04d}")
            assert f"绑定成功！{name}" in bind.text

        replies: dict[tuple[int, int], PeerReply] = {}

        def post(i: int, k: int, xml: str, ts: int, barrier: threading.Barrier) -> None:
            barrier.wait()  # both hosts get the same callback at the same moment
            replies[(i, k)] = peers[k].post(xml, timestamp=ts, nonce=f"n{i}")

        for i in range(len(MEMBERS)):
            xml = peers[0].text_xml(f"o-two-{i}", "打卡", msg_id=f"88{i:04d}")
            ts, barrier = int(time.time()), threading.Barrier(2)
            threads = [threading.Thread(target=post, args=(i, k, xml, ts, barrier)) for k in (0, 1)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)

        for i in range(len(MEMBERS)):
            a, b = replies[(i, 0)], replies[(i, 1)]
            assert a.status == b.status == 200
            assert a.body == b.body, (a.text, b.text)
            assert "打卡成功" in a.text
        assert store.scalar("SELECT COUNT(*) FROM checkins") == len(MEMBERS)
        assert store.scalar("SELECT SUM(amount) FROM points WHERE kind = 'checkin'") == len(MEMBERS)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(20)
        store.close()
    output = "".join(log.read_text(encoding="utf-8", errors="replace") for log in logs)
    assert "handler failed" not in output and "Traceback" not in output
