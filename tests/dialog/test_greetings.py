"""Conversations: greetings, thanks and small talk get a short friendly reply that says what
the bot can do; anything unknown gets the three most useful commands."""

from __future__ import annotations

import pytest

from bot.channels.peer import WeChatPeer
from bot.dialog.handlers.greet import kinds
from tests.conftest import Member

CAN_DO = (
    "我是党建学习助手，可以陪您每日学习打卡、答题、查积分，也能回答党务和烟草零售的政策问题"
    "（如“党费怎么交”“烟证到期怎么续”）。发送「帮助」查看全部功能。"
)

SMALL_TALK = [
    "你好", "您好", "您好！", "在吗", "在吗？？", "在不在", "谢谢", "多谢", "好的", "嗯", "嗯嗯",
    "你是谁", "早上好", "晚上好", "你好😀", "ｈｅｌｌｏ", "謝謝！", "好的👌", "👍", "好的，谢谢老师",
    "您好老师，在吗", "辛苦了", "收到", "OK", "拜拜", "你是机器人吗", "？", "哈哈哈",
]  # fmt: skip


@pytest.mark.parametrize("text", SMALL_TALK)
def test_small_talk_gets_a_friendly_reply_not_a_fallback_or_an_answer(
    zhangwei: Member, text: str
) -> None:
    reply = zhangwei.say(text)
    assert "没太明白" not in reply and "答不上来" not in reply
    assert not reply.startswith("【")  # never a policy answer
    assert "打卡" in reply  # says what the bot can do
    assert len(reply) <= 160


def test_hello_names_the_member_and_what_the_bot_does(zhangwei: Member) -> None:
    assert zhangwei.say("你好") == "张伟同志，您好！" + CAN_DO
    assert zhangwei.say("早上好！") == "张伟同志，早上好！" + CAN_DO
    assert zhangwei.say("在嗎？") == "张伟同志，在的！" + CAN_DO


def test_thanks_and_acknowledgements(zhangwei: Member) -> None:
    assert zhangwei.say("谢谢").startswith("不客气！")
    assert zhangwei.say("好的").startswith("好的！需要时发送「打卡」「答题」")
    assert zhangwei.say("再见").startswith("再见！")


def test_who_are_you_says_it_is_automatic_and_how_to_reach_a_person(zhangwei: Member) -> None:
    reply = zhangwei.say("你是谁？")
    assert reply.startswith(CAN_DO) and "转人工" in reply


def test_an_unbound_follower_is_told_how_to_bind(wechat: WeChatPeer) -> None:
    stranger = Member(wechat, "o-stranger")
    assert stranger.say("您好") == "您好！" + CAN_DO + "第一次用请先发送「绑定 姓名 手机号」。"
    assert "绑定 姓名 手机号" in stranger.say("谢谢")


def test_a_greeting_with_a_question_is_answered_as_a_question(zhangwei: Member) -> None:
    assert zhangwei.say("你好，请问党费怎么交？").startswith("【党费")


def test_greetings_leave_a_pending_suggestion_alone(zhangwei: Member) -> None:
    reply = zhangwei.say("许可证")
    assert reply.startswith("没找到完全对应的答案")
    zhangwei.say("好的")
    assert zhangwei.say("1").startswith("【")


def test_unknown_text_for_an_unbound_follower_lists_binding_first(wechat: WeChatPeer) -> None:
    stranger = Member(wechat, "o-stranger")
    assert stranger.say("今天天气怎么样") == (
        "抱歉，「今天天气怎么样」我还答不上来。\n常用的有：\n"
        "「绑定 姓名 手机号」绑定党员身份，之后就能打卡、答题\n"
        "「转人工」把问题转给工作人员\n「帮助」查看全部功能\n"
        "也可以直接提问，如“许可证怎么延续”。"
    )


def test_a_mistyped_command_is_still_suggested_in_the_fallback(zhangwei: Member) -> None:
    reply = zhangwei.say("我的积份")
    assert "您是不是想发：" in reply and "「我的积分」" in reply and "常用的有：" in reply


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("你好", ["hello"]),
        ("好的谢谢🙏", ["ack", "thanks"]),
        ("谢谢你的回答", ["thanks"]),
        ("你好，党费怎么交", None),
        ("请问", None),
        ("退休", None),
        ("1", None),
        ("", None),
        ("？？", ["hello"]),
        ("你好" * 20, None),
    ],
)
def test_kinds(text: str, expect: list[str] | None) -> None:
    assert kinds(text) == expect
