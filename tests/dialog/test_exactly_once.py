"""Exactly once per message across processes: two web processes (two apps, each with its own
database connection, as two `serve` hosts would have) receive the same retried callback while
the first is still handling it. The second waits for the first to commit, then answers with the
stored bytes: one check-in, one set of points, identical replies, and no handler error."""

from __future__ import annotations

import threading
import time

import pytest

from bot.app import create_app
from bot.channels.peer import PeerReply, WeChatPeer
from bot.clock import FixedClock, stamp
from bot.config import Settings
from bot.demo import load_demo
from bot.dialog import intents
from bot.dialog.handlers import checkin
from bot.dialog.types import Context
from bot.services import build_services
from storage import open_store
from tests.conftest import APPID, TOKEN, flask_transport


def test_a_retry_at_a_second_process_waits_and_gets_the_same_reply(
    settings: Settings,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    one = build_services(settings, clock=clock)
    load_demo(one.store, stamp(clock.now()))
    two = build_services(settings, clock=clock, store=open_store(settings.db))
    peers = [
        WeChatPeer(
            flask_transport(create_app(settings, s)),
            TOKEN,
            APPID,
            now=lambda: clock.now().timestamp(),
        )
        for s in (one, two)
    ]
    assert "绑定成功" in peers[0].send("o-zw", "绑定 张伟 13800000003").text

    inside = threading.Event()
    calls: list[int] = []
    real = checkin.checkin

    def slow(ctx: Context, args: str) -> object:
        result = real(ctx, args)  # the check-in and points are written …
        calls.append(1)  # (an attempt on the read path raised ReadOnly above: not counted)
        inside.set()
        time.sleep(0.5)  # … and the transaction stays open a while
        return result

    table = tuple(
        intents.Intent(**{**i.__dict__, "handler": slow}) if i.name == "checkin" else i
        for i in intents.INTENTS
    )
    monkeypatch.setattr("bot.dialog.router.INTENTS", table)

    xml = peers[0].text_xml("o-zw", "打卡", msg_id="7001")
    ts = int(clock.now().timestamp())
    replies: dict[int, PeerReply] = {}

    def post(i: int) -> None:
        replies[i] = peers[i].post(xml, timestamp=ts, nonce="retry1")

    first = threading.Thread(target=post, args=(0,))
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=post, args=(1,))  # WeChat's retry, at the other host
    second.start()
    second.join(0.2)
    assert second.is_alive()  # waiting for the first to commit
    first.join(10)
    second.join(10)

    assert replies[0].status == replies[1].status == 200
    assert "打卡成功" in replies[0].text
    assert replies[1].body == replies[0].body
    assert len(calls) == 1  # the handler ran once
    assert one.store.scalar("SELECT COUNT(*) FROM checkins") == 1
    assert one.store.scalar("SELECT SUM(amount) FROM points WHERE kind = 'checkin'") == 1
    assert "handler failed" not in caplog.text
    two.store.close()
    one.store.close()


def test_a_retry_of_a_message_logged_under_the_old_key_is_answered_from_the_log(
    wechat: WeChatPeer,
) -> None:
    """Keys begin with the message's time (bot/dialog/types.py); a retry that comes right
    after an upgrade, of a message the previous version logged under its old key, gets the
    logged reply and is not handled again (on the write path and the read path)."""
    from bot.dialog.types import Inbound
    from tests.conftest import bound

    store = wechat.services.store  # type: ignore[attr-defined]
    bound(wechat, "o-zhangwei", "张伟", "13800000003")

    def logged_by_the_old_version(text: str, msg_id: str) -> tuple[bytes, bytes]:
        """Send a message, then give its log row the key the previous version wrote."""
        xml = wechat.text_xml("o-zhangwei", text, msg_id=msg_id)
        first = wechat.post(xml, nonce=f"n{msg_id}")
        last = int(store.scalar("SELECT MAX(id) FROM inbound_log"))
        legacy = Inbound("wechat", "o-zhangwei", "text", msg_id=msg_id).legacy_key
        store.execute("UPDATE inbound_log SET key = :k WHERE id = :id", {"k": legacy, "id": last})
        return xml, first.body

    xml, first = logged_by_the_old_version("打卡", "9001")  # the write path
    assert "打卡成功" in wechat.open_reply(first)["Content"]
    again = wechat.post(xml, nonce="retry-9001")
    assert again.body == first  # not "今天已经打过卡啦": the handler did not run again
    assert store.scalar("SELECT COUNT(*) FROM checkins") == 1

    xml, first = logged_by_the_old_version("帮助", "9002")  # the read path
    logged = "<xml><Content><![CDATA[旧版本记下的回复]]></Content></xml>".encode()
    store.execute(
        "UPDATE inbound_log SET response = :r WHERE key LIKE 'wechat:msg:[%9002%'", {"r": logged}
    )
    assert wechat.post(xml, nonce="retry-9002").body == logged
