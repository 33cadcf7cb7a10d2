"""The router: a failing handler leaves nothing behind; the intent table drives 帮助."""

from __future__ import annotations

import pytest

from bot.channels.peer import WeChatPeer
from bot.dialog import intents, replies
from bot.dialog.handlers import checkin
from bot.dialog.types import Context
from tests.conftest import Member


def test_a_failing_handler_is_rolled_back_and_answered_politely(
    zhangwei: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = zhangwei.peer.services  # type: ignore[attr-defined]
    real = checkin.checkin

    def broken(ctx: Context, args: str) -> str:
        real(ctx, args)  # writes the check-in and the points …
        raise RuntimeError("boom")  # … and then fails

    table = tuple(
        intents.Intent(**{**i.__dict__, "handler": broken}) if i.name == "checkin" else i
        for i in intents.INTENTS
    )
    monkeypatch.setattr("bot.dialog.router.INTENTS", table)
    xml = zhangwei.peer.text_xml(zhangwei.openid, "打卡", msg_id="555001")
    first = zhangwei.peer.post(xml)
    assert first.text == replies.ERROR
    assert services.store.scalar("SELECT COUNT(*) FROM checkins") == 0
    assert services.store.scalar("SELECT COUNT(*) FROM points") == 0
    assert zhangwei.peer.post(xml).body == first.body  # WeChat's retry gets the same answer
    monkeypatch.undo()
    assert "打卡成功" in zhangwei.say("打卡")  # the member simply tries again


def test_help_lists_every_member_command_and_secretary_commands_only_for_secretaries(
    wechat: WeChatPeer,
) -> None:
    member = Member(wechat, "o-h1")
    member.say("绑定 张伟 13800000003")
    text = member.say("帮助")
    for intent in intents.INTENTS:
        if intent.audience == intents.MEMBER:
            assert intent.usage in text
        if intent.audience == intents.SECRETARY:
            assert intent.usage not in text
    secretary = Member(wechat, "o-h2")
    secretary.say("绑定 王建国 13800000001")
    assert "书记专用" in secretary.say("帮助") and "发布通知" in secretary.say("帮助")


def test_the_message_key_is_json_whatever_the_ids_contain() -> None:
    import json

    from bot.dialog.types import Inbound

    odd = ["o-plain", '引号"里', "反\\斜", "换\n行", "制\x01表", "\u2028", "é", ""]
    for user in odd:
        for msg_id in ("100001", *odd[1:-1]):  # (no MsgId: an event key)
            inbound = Inbound("wechat", user, "text", "x", msg_id=msg_id, create_time=1765000000)
            key = "wechat:msg:1765000000:" + json.dumps([msg_id, user], ensure_ascii=False)
            assert inbound.dedupe_key == key
            legacy = "wechat:msg:" + json.dumps([user, msg_id], ensure_ascii=False)
            assert inbound.legacy_key == legacy  # (before the time went first)
    event = Inbound("wechat", "o-a", "event", event="subscribe", create_time=1765000000)
    assert event.dedupe_key == 'wechat:evt:1765000000:["o-a", 1765000000, "subscribe", ""]'
    assert event.legacy_key == 'wechat:evt:["o-a", 1765000000, "subscribe", ""]'


def test_message_keys_sort_by_time_whoever_sends() -> None:
    from bot.dialog.types import Inbound

    keys = [
        Inbound("wechat", user, "text", "x", msg_id=msg_id, create_time=ts).dedupe_key
        for ts, user, msg_id in [
            (999_999_999, "o-zz", "9"),
            (1_765_000_000, "o-zz", "8"),
            (1_765_000_001, "o-mm", "100"),
            (1_765_000_001, "o-aa", "101"),  # (the same second: by MsgId)
            (1_765_000_100, "o-mm", "5"),
        ]
    ]
    assert keys == sorted(keys)
