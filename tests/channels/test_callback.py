"""The callback's defences over real HTTP: WeChat's three modes, replayed query strings, and
retries keyed by sender + MsgId."""

from __future__ import annotations

import base64
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
from bot.config import Settings, load_settings
from bot.demo import load_demo
from bot.services import Services, build_services
from storage import replays
from tests import dbs
from tests.conftest import APPID, TOKEN, live_server

AES = base64.b64encode(os.urandom(32)).decode().rstrip("=")


def settings_for(tmp_path: Path, **values: Any) -> Settings:
    values = {"wechat_token": TOKEN, "wechat_appid": APPID, **values}
    return load_settings(env={}, dotenv=None, db=dbs.db_for(tmp_path, "cb.db"), **values)


@contextmanager
def running(settings: Settings, clock: FixedClock) -> Iterator[tuple[str, Services]]:
    services = build_services(settings, clock=clock)
    load_demo(services.store, stamp(clock.now()))
    try:
        with live_server(create_app(settings, services)) as url:
            yield url, services
    finally:
        services.store.close()


def peer(url: str, clock: FixedClock, aes: str = "") -> WeChatPeer:
    return WeChatPeer(http_transport(url), TOKEN, APPID, aes, now=lambda: clock.now().timestamp())


# -- plain, compat, safe --------------------------------------------------------------------


def test_safe_mode_is_the_default_with_an_aes_key_and_refuses_plain_callbacks(
    tmp_path: Path, clock: FixedClock
) -> None:
    settings = settings_for(tmp_path, wechat_aes_key=AES)
    assert settings.wechat_security == "safe"
    with running(settings, clock) as (url, services):
        plain = peer(url, clock).send("o-attacker", "绑定 王建国 13800000001")
        assert plain.status == 403 and b"safe mode" in plain.body
        assert services.store.scalar("SELECT COUNT(*) FROM inbound_log") == 0
        encrypted = peer(url, clock, AES).send("o-member", "帮助")
        assert encrypted.status == 200 and "我能帮你做这些" in encrypted.text


def test_compat_mode_accepts_both(tmp_path: Path, clock: FixedClock) -> None:
    with running(settings_for(tmp_path, wechat_aes_key=AES, wechat_mode="compat"), clock) as (
        url,
        _,
    ):
        assert "我能帮你做这些" in peer(url, clock).send("o-a", "帮助").text
        encrypted = peer(url, clock, AES).send("o-b", "帮助")
        assert encrypted.status == 200 and "我能帮你做这些" in encrypted.text


def test_plain_mode_is_the_default_without_a_key_and_refuses_encrypted_callbacks(
    tmp_path: Path, clock: FixedClock
) -> None:
    with running(settings_for(tmp_path, wechat_aes_key=AES, wechat_mode="plain"), clock) as (
        url,
        _,
    ):
        assert peer(url, clock, AES).send("o-b", "帮助").status == 400
        assert "我能帮你做这些" in peer(url, clock).send("o-a", "帮助").text
    assert settings_for(tmp_path).wechat_security == "plain"


# -- replays --------------------------------------------------------------------------------


def test_a_replayed_query_string_with_another_body_is_403(
    tmp_path: Path, clock: FixedClock
) -> None:
    with running(settings_for(tmp_path), clock) as (url, services):
        wx = peer(url, clock)
        bound = wx.send("o-zw", "绑定 张伟 13800000003")
        assert "绑定成功" in bound.text
        # A logged callback: its query string, used again with a forged body.
        original = wx.text_xml("o-zw", "打卡")
        first = wx.post(original, nonce="logged-nonce")
        assert first.status == 200 and "打卡" in first.text
        forged = wx.text_xml("o-attacker", "绑定 王建国 13800000001")
        second = wx.post(forged, nonce="logged-nonce")
        assert second.status == 403 and second.body == b"timestamp and nonce already used"
        store = services.store
        assert store.scalar("SELECT COUNT(*) FROM bindings WHERE openid = 'o-attacker'") == 0
        # The same body again (a WeChat retry that repeats the query string): the stored reply,
        # and nothing runs twice.
        again = wx.post(original, nonce="logged-nonce")
        assert again.status == 200 and again.body == first.body
        assert store.scalar("SELECT COUNT(*) FROM checkins") == 1


def test_replay_memory_is_shared_by_worker_processes(tmp_path: Path, clock: FixedClock) -> None:
    """Two apps on one database file stand for two gunicorn workers."""
    settings = settings_for(tmp_path)
    with running(settings, clock) as (url_a, _):
        other = build_services(settings, clock=clock)
        try:
            with live_server(create_app(settings, other)) as url_b:
                a, b = peer(url_a, clock), peer(url_b, clock)
                assert a.post(a.text_xml("o-1", "帮助"), nonce="n1").status == 200
                replayed = b.post(b.text_xml("o-2", "我的积分"), nonce="n1")
                assert replayed.status == 403
        finally:
            other.store.close()


def test_pairs_are_forgotten_after_the_window(tmp_path: Path, clock: FixedClock) -> None:
    with running(settings_for(tmp_path), clock) as (url, services):
        wx = peer(url, clock)
        for n in range(3):
            assert wx.send(f"o-{n}", "帮助").status == 200
        assert replays.count(services.store) == 3
        clock.advance(seconds=services.settings.timestamp_tolerance + 2)
        assert wx.send("o-late", "帮助").status == 200
        assert replays.count(services.store) == 1


def test_a_retry_encrypted_afresh_is_still_a_retry(tmp_path: Path, clock: FixedClock) -> None:
    """In safe mode WeChat may encrypt a retry again (new random prefix): the decrypted message
    is what must be identical."""
    with running(settings_for(tmp_path, wechat_aes_key=AES), clock) as (url, services):
        wx = peer(url, clock, AES)
        xml = wx.text_xml("o-zw", "帮助")
        first = wx.post(xml, nonce="same")
        second = wx.post(xml, nonce="same")  # encrypted again by the peer
        assert first.status == second.status == 200 and first.text == second.text
        other = wx.post(wx.text_xml("o-zw", "我的积分"), nonce="same")
        assert other.status == 403


# -- retries keyed by sender + MsgId ---------------------------------------------------------


@pytest.mark.parametrize("aes", ["", AES], ids=["plain", "safe"])
def test_two_senders_with_one_msgid_each_get_their_own_reply(
    tmp_path: Path, clock: FixedClock, aes: str
) -> None:
    with running(settings_for(tmp_path, wechat_aes_key=aes), clock) as (url, services):
        wx = peer(url, clock, aes)
        assert "绑定成功" in wx.send("o-zw", "绑定 张伟 13800000003").text
        assert "绑定成功" in wx.send("o-wjg", "绑定 王建国 13800000001").text
        zhang = wx.send("o-zw", "打卡", msg_id="5550001")
        wang = wx.send("o-wjg", "打卡", msg_id="5550001")
        assert zhang.fields["ToUserName"] == "o-zw" and wang.fields["ToUserName"] == "o-wjg"
        assert "打卡成功" in zhang.text and "打卡成功" in wang.text
        assert services.store.scalar("SELECT COUNT(*) FROM checkins") == 2
        # Each one's retry still gets its own stored reply.
        assert wx.send("o-wjg", "打卡", msg_id="5550001").text == wang.text


def test_generated_msgids_do_not_collide_across_peers() -> None:
    """The simulator builds one peer per worker process; their MsgIds must not collide."""
    one = WeChatPeer(lambda *a: (200, b""), TOKEN, now=lambda: 1764637200.0)
    two = WeChatPeer(lambda *a: (200, b""), TOKEN, now=lambda: 1764637200.0)
    ids = [one.next_msg_id() for _ in range(2000)] + [two.next_msg_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    assert all(0 < int(i) < 2**63 for i in ids)


def test_nothing_is_exposed_by_a_plain_get(tmp_path: Path, clock: FixedClock) -> None:
    with running(settings_for(tmp_path), clock) as (url, _):
        assert requests.get(url + "/wechat", timeout=10).status_code == 403
