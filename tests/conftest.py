"""Shared fixtures: a fixed clock, a temporary database (a SQLite file, or a PostgreSQL
database when DANGJIAN_TEST_PG is set: see tests/dbs.py), the app, and a fake WeChat server
that signs (and in safe mode encrypts) callbacks like the real one.

Markers: `sqlite_only` (flock, WAL, PRAGMAs, upgrading an old SQLite file) is skipped on
PostgreSQL; `pg_only` (several servers on one PostgreSQL, SKIP LOCKED) runs only there."""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from bot.app import create_app
from bot.channels.peer import PeerReply, WeChatPeer
from bot.clock import FixedClock, stamp
from bot.config import SHIPPED_CONTENT, SHIPPED_QUIZZES, Settings, load_settings
from bot.demo import load_demo
from bot.services import Services, build_services
from tests import dbs

TOKEN = "test-token"
APPID = "wx1234567890abcdef"
AES_KEY = base64.b64encode(os.urandom(32)).decode().rstrip("=")
START = "2026-12-02T09:00:00+08:00"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if dbs.on_pg() and item.get_closest_marker("sqlite_only"):
            item.add_marker(pytest.mark.skip(reason="SQLite only (DANGJIAN_TEST_PG is set)"))
        if not dbs.on_pg() and item.get_closest_marker("pg_only"):
            item.add_marker(pytest.mark.skip(reason="PostgreSQL only: set DANGJIAN_TEST_PG"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if dbs.on_pg():
        dbs.drop_template()


@pytest.fixture(autouse=True)
def _drop_test_databases() -> Iterator[None]:
    yield
    if dbs.on_pg():
        dbs.drop_test_databases()


@pytest.fixture
def new_db(tmp_path: Path) -> Callable[..., str]:
    """`new_db("name.db")`: the DANGJIAN_DB value of a fresh database for this test (migrated;
    `empty=True` for none at all). The same name gives the same database."""

    def make(name: str, empty: bool = False) -> str:
        return dbs.db_for(tmp_path, name, empty)

    return make


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        env={},
        dotenv=None,
        wechat_token=TOKEN,
        wechat_appid=APPID,
        db=dbs.db_for(tmp_path, "test.db"),
        content_dir=str(SHIPPED_CONTENT),
        quiz_dir=str(SHIPPED_QUIZZES),
        simulator="on",
        log_batch_ms=0,  # read-only messages logged at once (batches: tests/storage/test_deferred)
    )


@pytest.fixture
def services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    s = build_services(settings, clock=clock)
    load_demo(s.store, stamp(clock.now()))
    yield s
    s.store.close()


@pytest.fixture
def app(settings: Settings, services: Services) -> Flask:
    return create_app(settings, services)


def flask_transport(app: Flask):  # type: ignore[no-untyped-def]
    client = app.test_client()

    def send(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        r = client.post(path, data=body, headers=headers)
        return r.status_code, r.data

    return send


@pytest.fixture(params=["plain", "aes"])
def wechat(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock
) -> Iterator[WeChatPeer]:
    """The fake WeChat server, in plain and safe mode (every test using it runs in both)."""
    aes = request.param == "aes"
    s = load_settings(
        env={},
        dotenv=None,
        wechat_token=TOKEN,
        wechat_appid=APPID,
        wechat_aes_key=AES_KEY if aes else "",
        db=dbs.db_for(tmp_path, "wx.db"),
        simulator="off",
        log_batch_ms=0,  # read-only messages logged at once (batches: tests/storage/test_deferred)
    )
    services = build_services(s, clock=clock)
    load_demo(services.store, stamp(clock.now()))
    app = create_app(s, services)
    peer = WeChatPeer(
        flask_transport(app),
        TOKEN,
        APPID,
        AES_KEY if aes else "",
        now=lambda: clock.now().timestamp(),
    )
    peer.services = services  # type: ignore[attr-defined]
    yield peer
    services.store.close()


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP by werkzeug on 127.0.0.1 (a free port) in a thread; yields
    its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def plain_peer(app: Flask, clock: FixedClock) -> WeChatPeer:
    return WeChatPeer(flask_transport(app), TOKEN, APPID, now=lambda: clock.now().timestamp())


@dataclass
class Member:
    """A member in a conversation: `say` sends a text and returns the bot's answer."""

    peer: WeChatPeer
    openid: str

    def say(self, text: str) -> str:
        reply = self.send(text)
        assert reply.status == 200, reply.body
        return reply.text

    def send(self, text: str) -> PeerReply:
        return self.peer.send(self.openid, text)

    def event(self, event: str, key: str = "") -> PeerReply:
        return self.peer.event(self.openid, event, key)


def bound(peer: WeChatPeer, openid: str, name: str, phone: str) -> Member:
    m = Member(peer, openid)
    answer = m.say(f"绑定 {name} {phone}")
    assert "绑定成功" in answer, answer
    return m


@pytest.fixture
def zhangwei(wechat: WeChatPeer) -> Member:
    """张伟, 党员 of 机关党支部 · 综合党小组, bound to openid o-zhangwei."""
    return bound(wechat, "o-zhangwei", "张伟", "13800000003")


@pytest.fixture
def secretary(wechat: WeChatPeer) -> Member:
    """王建国, 支部书记 of 机关党支部."""
    return bound(wechat, "o-wangjianguo", "王建国", "13800000001")
