"""Fixtures for the jobs tests: the fake WeChat/WeCom API, services that push through it, and
a chat peer against an app configured like a real Official Account."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import create_app
from bot.channels.peer import WeChatPeer
from bot.clock import FixedClock, stamp
from bot.config import SHIPPED_CONTENT, SHIPPED_QUIZZES, Settings, load_settings
from bot.demo import load_demo
from bot.jobs import schedule
from bot.jobs.dispatch import Dispatcher, DrainStats
from bot.jobs.runner import JobContext
from bot.services import Services, build_services
from tests import dbs
from tests.conftest import APPID, TOKEN, Member, flask_transport
from tests.fakes.wechat_api import AGENTID, CORPID, CORPSECRET, SECRET, FakeWeChatAPI


@pytest.fixture
def fake_api() -> Iterator[FakeWeChatAPI]:
    fake = FakeWeChatAPI(appid=APPID).start()
    yield fake
    fake.stop()


def api_settings(
    tmp_path: Path, fake: FakeWeChatAPI, wecom: bool = False, **extra: str
) -> Settings:
    env = {f"DANGJIAN_{k.upper()}": v for k, v in extra.items()}
    env.setdefault("DANGJIAN_PUSH_TIMEOUT", "2")
    overrides: dict[str, object] = {
        "wechat_token": TOKEN,
        "wechat_appid": APPID,
        "wechat_secret": SECRET,
        "wechat_api_base": fake.url,
        "db": dbs.db_for(tmp_path, "jobs.db"),
        "content_dir": str(SHIPPED_CONTENT),
        "quiz_dir": str(SHIPPED_QUIZZES),
        "simulator": "off",
        "push_rate": 0.0,
    }
    if wecom:
        overrides.update(
            wecom_corpid=CORPID,
            wecom_secret=CORPSECRET,
            wecom_agentid=AGENTID,
            wecom_api_base=fake.url,
        )
    return load_settings(env=env, dotenv=None, **overrides)


@pytest.fixture
def api_services(tmp_path: Path, fake_api: FakeWeChatAPI, clock: FixedClock) -> Iterator[Services]:
    """Services with the Official Account configured against the fake API (no WeCom)."""
    s = build_services(api_settings(tmp_path, fake_api), clock=clock)
    load_demo(s.store, stamp(clock.now()))
    yield s
    s.store.close()


@pytest.fixture
def oa(api_services: Services, clock: FixedClock) -> WeChatPeer:
    """A WeChat peer against an app whose pushes go to the fake API."""
    app = create_app(api_services.settings, api_services)
    peer = WeChatPeer(flask_transport(app), TOKEN, APPID, now=lambda: clock.now().timestamp())
    peer.services = api_services  # type: ignore[attr-defined]
    return peer


def bind(peer: WeChatPeer, openid: str, name: str, phone: str) -> Member:
    m = Member(peer, openid)
    assert "绑定成功" in m.say(f"绑定 {name} {phone}")
    return m


def run_job(services: Services, job_id: str, dispatcher: Dispatcher | None = None) -> object:
    ctx = JobContext(services, services.clock.now(), dispatcher)
    return schedule.spec(job_id).run(ctx)


def drain(services: Services, **kw: object) -> DrainStats:
    d = Dispatcher(services, **kw)  # type: ignore[arg-type]
    try:
        return d.drain()
    finally:
        d.close()


def outbox_rows(services: Services, job: str | None = None) -> list[dict[str, object]]:
    sql = "SELECT o.*, m.name FROM outbox o LEFT JOIN members m ON m.id = o.member_id"
    if job:
        return services.store.query(sql + " WHERE o.job = :job ORDER BY o.id", {"job": job})
    return services.store.query(sql + " ORDER BY o.id")
