"""`dangjian serve` keeps answering with idle and slow clients connected (issue 8): its
worker reads whole requests without blocking before a thread answers them."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.channels.peer import WeChatPeer, http_transport
from bot.clock import SystemClock, stamp
from bot.demo import load_demo
from bot.web_worker import HEAD_CAP, complete
from storage import open_store

TOKEN = "slow-clients-token"


def test_a_request_is_complete_when_its_framing_says_so() -> None:
    head = b"POST /wechat HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"
    assert complete(head[:20]) == (False, False)
    assert complete(head + b"ab") == (False, False)
    assert complete(head + b"abcde") == (True, False)
    assert complete(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") == (True, False)
    chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n"
    assert complete(chunked) == (False, False)
    assert complete(chunked + b"0\r\n\r\n") == (True, False)
    expect = b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 9\r\n\r\n"
    assert complete(expect) == (False, True)
    assert complete(b"x" * (HEAD_CAP + 1))[0]  # an endless head goes to gunicorn's limits
    assert complete(b"POST / HTTP/1.1\r\nContent-Length: zz\r\n\r\n")[0]  # gunicorn refuses it


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def serve(tmp_path: Path, new_db: Callable[..., str]) -> Iterator[int]:
    """`dangjian serve` with 2 workers on a free port, a 3-second read timeout."""
    target = new_db("slow.db")
    store = open_store(target)
    load_demo(store, stamp(SystemClock().now()))
    store.close()
    port = _free_port()
    env = {
        **os.environ,
        "DANGJIAN_DB": target,
        "DANGJIAN_WECHAT_TOKEN": TOKEN,
        "DANGJIAN_SIMULATOR": "off",
        "DANGJIAN_READ_TIMEOUT": "3",
    }
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "dangjian"), "serve", "--port", str(port),
         "--workers", "2"],
        env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _healthz(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)  # sync workers: 30 s
    conn.request("GET", "/healthz")
    status = conn.getresponse().status
    conn.close()
    return status


def test_idle_and_slow_connections_do_not_block_serve(serve: int) -> None:
    port = serve
    assert _healthz(port) == 200
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
    slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
    for s in slow:  # a head that never ends, and a body that never comes
        s.sendall(b"POST /wechat HTTP/1.1\r\nHost: x\r\n")
    slow[1].sendall(b"Content-Length: 500\r\n\r\n<xml>")
    time.sleep(0.5)  # the connections are accepted by now: both workers have some

    assert _healthz(port) == 200
    peer = WeChatPeer(http_transport(f"http://127.0.0.1:{port}", timeout=10), TOKEN)
    assert "绑定成功" in peer.send("o-slow", "绑定 张伟 13800000003").text
    assert "打卡成功" in peer.send("o-slow", "打卡").text

    for s in idle + slow:  # and they are closed once their time is up (3 s here)
        s.settimeout(20)
        assert s.recv(100) == b""
        s.close()
