"""What a deployment exposes, tried over real HTTP against the running app (werkzeug on
127.0.0.1): the simulator only when asked for, each channel only with its own token, the
public demo token only in demo mode."""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.app import create_app
from bot.channels.peer import WeChatPeer, http_transport
from bot.clock import FixedClock, stamp
from bot.config import DEMO_TOKEN, ConfigError, Settings, load_settings
from bot.demo import load_demo
from bot.services import build_services
from tests import dbs
from tests.conftest import APPID, TOKEN, live_server

WECOM_AES = base64.b64encode(os.urandom(32)).decode().rstrip("=")
AES = base64.b64encode(os.urandom(32)).decode().rstrip("=")

WECOM_ONLY = {
    "wecom_corpid": "ww-corp",
    "wecom_agentid": "1000002",
    "wecom_secret": "corp-secret",
    "wecom_token": "wecom-token",
    "wecom_aes_key": WECOM_AES,
}
REPLY_ONLY = {"wechat_token": TOKEN, "wechat_aes_key": AES, "wechat_appid": APPID}
SIMULATOR_PATHS = ("/", "/simulator/members", "/simulator/inbox?openid=sim-member-1")


def settings_for(tmp_path: Path, env: dict[str, str] | None = None, **values: Any) -> Settings:
    return load_settings(env=env or {}, dotenv=None, db=dbs.db_for(tmp_path, "app.db"), **values)


@contextmanager
def running(settings: Settings, clock: FixedClock) -> Iterator[str]:
    services = build_services(settings, clock=clock)
    load_demo(services.store, stamp(clock.now()))
    try:
        with live_server(create_app(settings, services)) as url:
            yield url
    finally:
        services.store.close()


def simulator_statuses(url: str) -> list[int]:
    codes = [requests.get(url + path, timeout=10).status_code for path in SIMULATOR_PATHS]
    for path in ("/simulator/send", "/simulator/follower"):
        body = {"openid": "sim-member-1", "text": "绑定 王建国 13800000001"}
        codes.append(requests.post(url + path, json=body, timeout=10).status_code)
    return codes


# -- the simulator --------------------------------------------------------------------------


@pytest.mark.parametrize("simulator", ["", "auto", "off"])
@pytest.mark.parametrize("config", [WECOM_ONLY, REPLY_ONLY], ids=["wecom-only", "reply-only"])
def test_simulator_is_404_in_production_configurations(
    tmp_path: Path, clock: FixedClock, config: dict[str, str], simulator: str
) -> None:
    env = {"DANGJIAN_SIMULATOR": simulator} if simulator else {}
    with running(settings_for(tmp_path, env, **config), clock) as url:
        assert simulator_statuses(url) == [404] * 5
        assert requests.get(url + "/healthz", timeout=10).json()["status"] == "ok"


def test_official_account_with_credentials_has_no_simulator(
    tmp_path: Path, clock: FixedClock
) -> None:
    settings = settings_for(tmp_path, wechat_token=TOKEN, wechat_appid="wx1", wechat_secret="s")
    with running(settings, clock) as url:
        assert simulator_statuses(url) == [404] * 5


def test_simulator_on_with_real_credentials_warns_loudly(
    tmp_path: Path, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path, {"DANGJIAN_SIMULATOR": "on"}, **REPLY_ONLY)
    with caplog.at_level(logging.WARNING, logger="bot.app"), running(settings, clock) as url:
        members = requests.get(url + "/simulator/members", timeout=10)
    assert members.status_code == 200  # asked for explicitly: on
    warning = next(r for r in caplog.records if "SIMULATOR IS ON" in r.getMessage())
    assert warning.levelno == logging.WARNING
    assert "DANGJIAN_WECHAT_TOKEN" in warning.getMessage()
    assert "DANGJIAN_WECHAT_AES_KEY" in warning.getMessage()


def test_demo_mode_has_the_simulator_and_the_demo_token(tmp_path: Path, clock: FixedClock) -> None:
    settings = settings_for(tmp_path, demo=True)
    assert settings.wechat_token == DEMO_TOKEN and settings.simulator_enabled
    with running(settings, clock) as url:
        people = requests.get(url + "/simulator/members", timeout=10).json()
        assert len(people) == 20
        peer = WeChatPeer(http_transport(url), DEMO_TOKEN, now=lambda: clock.now().timestamp())
        assert "绑定成功" in peer.send("o-demo", "绑定 张伟 13800000003").text


def test_demo_mode_cannot_be_set_from_the_environment(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, {"DANGJIAN_DEMO": "1", "DANGJIAN_SIMULATOR": "auto"})
    assert not settings.demo and settings.wechat_token == "" and not settings.simulator_enabled


# -- the demo token and the channels ----------------------------------------------------------


def test_a_request_signed_with_the_demo_token_is_refused_outside_demo_mode(
    tmp_path: Path, clock: FixedClock
) -> None:
    now = lambda: clock.now().timestamp()  # noqa: E731
    # WeCom only: /wechat is not mounted at all, whatever the signature.
    with running(settings_for(tmp_path, **WECOM_ONLY), clock) as url:
        forged = WeChatPeer(http_transport(url), DEMO_TOKEN, now=now)
        assert forged.send("o-forged", "绑定 王建国 13800000001").status == 404
        assert requests.get(url + "/wechat", timeout=10).status_code == 404
    # An Official Account with its own token: the demo token's signature does not match.
    settings = settings_for(tmp_path, wechat_token="the-real-token", wechat_appid=APPID)
    with running(settings, clock) as url:
        forged = WeChatPeer(http_transport(url), DEMO_TOKEN, now=now)
        reply = forged.send("o-forged", "绑定 王建国 13800000001")
        assert reply.status == 403 and b"signature" in reply.body
        real = WeChatPeer(http_transport(url), "the-real-token", now=now)
        assert "绑定成功" in real.send("o-real", "绑定 王建国 13800000001").text


def test_the_demo_token_set_explicitly_is_refused_outside_demo_mode(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, {"DANGJIAN_WECHAT_TOKEN": DEMO_TOKEN})
    with pytest.raises(ConfigError, match="演示 Token"):
        create_app(settings)


def test_an_app_with_no_channel_refuses_to_start(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, wechat_appid="wx1", wechat_secret="secret")
    with pytest.raises(ConfigError) as info:
        create_app(settings)
    assert "DANGJIAN_WECHAT_TOKEN" in str(info.value) and "DANGJIAN_WECOM_TOKEN" in str(info.value)


def test_wecom_is_mounted_only_with_its_own_token(tmp_path: Path, clock: FixedClock) -> None:
    push_only = {k: v for k, v in WECOM_ONLY.items() if k not in ("wecom_token", "wecom_aes_key")}
    with running(settings_for(tmp_path, wechat_token=TOKEN, **push_only), clock) as url:
        assert requests.post(url + "/wecom", data=b"<xml/>", timeout=10).status_code == 404
        assert requests.get(url + "/wechat", timeout=10).status_code == 403  # mounted, unsigned
