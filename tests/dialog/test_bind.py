"""Conversations: binding to the roster, one account per member, and the failure limit."""

from __future__ import annotations

from bot.channels.peer import WeChatPeer
from bot.clock import FixedClock
from tests.conftest import Member


def test_bind_forms(wechat: WeChatPeer) -> None:
    assert "绑定成功" in Member(wechat, "o-1").say("绑定 张伟 13800000003")
    assert "绑定成功" in Member(wechat, "o-2").say("绑定：刘洋，138 0000 0004")
    assert "绑定成功" in Member(wechat, "o-3").say("綁定 陈静13800000005")  # traditional 綁
    assert "绑定成功" in Member(wechat, "o-4").say(
        "绑定 １３８０００００００６ 杨帆"
    )  # full-width digits, reversed


def test_bad_format_is_explained_and_not_counted(wechat: WeChatPeer) -> None:
    m = Member(wechat, "o-fmt")
    for _ in range(7):
        assert "格式不对" in m.say("绑定 张伟")
    assert "绑定成功" in m.say("绑定 张伟 13800000003")


def test_one_account_per_member(wechat: WeChatPeer) -> None:
    assert "绑定成功" in Member(wechat, "o-first").say("绑定 张伟 13800000003")
    answer = Member(wechat, "o-second").say("绑定 张伟 13800000003")
    assert "已绑定了另一个微信号" in answer and "联系支部书记" in answer
    again = Member(wechat, "o-first").say("绑定 刘洋 13800000004")
    assert "你已绑定为 张伟" in again


def test_five_failures_lock_the_account_for_an_hour(wechat: WeChatPeer, clock: FixedClock) -> None:
    m = Member(wechat, "o-guess")
    answers = [m.say(f"绑定 张伟 1380000009{i}") for i in range(5)]
    assert "还可以再试 4 次" in answers[0]
    assert "一小时内不能再试了" in answers[4]
    locked = m.say("绑定 张伟 13800000003")  # even the right answer is refused now
    assert "失败次数过多" in locked and "10:00" in locked
    clock.advance(minutes=61)
    assert "绑定成功" in m.say("绑定 张伟 13800000003")


def test_same_reply_for_wrong_phone_and_unknown_name(wechat: WeChatPeer) -> None:
    """The roster must not be enumerable: a known name with a wrong phone looks like a stranger."""
    a = Member(wechat, "o-a").say("绑定 张伟 13900000000")
    b = Member(wechat, "o-b").say("绑定 无此人 13900000000")
    assert a == b


def test_unbound_followers_get_help_but_not_checkin(wechat: WeChatPeer) -> None:
    m = Member(wechat, "o-stranger")
    assert "我能帮你做这些" in m.say("帮助")
    assert "绑定 姓名 手机号" in m.say("打卡")
    assert "绑定 姓名 手机号" in m.say("我的积分")
