"""Conversations: the bot asks back between alternatives of one topic and answers from the
choice (a number or a word); anything else leaves the question behind."""

from __future__ import annotations

from bot.channels.peer import WeChatPeer
from bot.knowledge import Library
from bot.knowledge.analyzer import Analyzer
from tests.conftest import Member
from tests.knowledge.test_matcher import FILLERS, RETIRED, WORK

LICENCE_ASK = (
    "您要办的是新办、延续、变更、迁址、停业、歇业还是补办？\n"
    "1. 新办（第一次申请）\n"
    "2. 延续（快到期或已到期）\n"
    "3. 变更（名称、经营者等变了）\n"
    "4. 迁址（换地方经营）\n"
    "5. 停业（暂时不开，以后恢复）\n"
    "6. 歇业（不再卖烟，交回注销）\n"
    "7. 补办（证丢了或坏了）\n"
    "回复 1 到 7 就行。"
)
RENEWAL = "【烟草专卖零售许可证到期怎么延续】"


def _store(peer: WeChatPeer):  # type: ignore[no-untyped-def]
    return peer.services.store  # type: ignore[attr-defined]


def _dues_library(peer: WeChatPeer) -> None:
    """在职 / 离退休 dues as two fixture entries that only the member's situation tells apart."""
    peer.services.knowledge = Library([WORK, RETIRED, *FILLERS], Analyzer())  # type: ignore[attr-defined]


def test_licence_question_asks_which_procedure_then_answers_the_number(zhangwei: Member) -> None:
    assert zhangwei.say("烟草证要带什么材料？") == LICENCE_ASK
    store = _store(zhangwei.peer)
    assert store.scalar("SELECT outcome FROM kb_questions") == "suggested"
    answer = zhangwei.say("2")
    assert answer.startswith(RENEWAL) and "出处：" in answer
    assert store.one("SELECT outcome, entry_id FROM kb_questions") == {
        "outcome": "picked",
        "entry_id": "license-renewal",
    }
    assert "谢谢您的评价" in zhangwei.say("有用")  # the picked answer can be rated
    assert not zhangwei.say("2").startswith("【")  # the question is used up


def test_a_word_of_the_option_answers_too(zhangwei: Member) -> None:
    assert zhangwei.say("烟草证要带什么材料") == LICENCE_ASK
    assert zhangwei.say("快到期了").startswith(RENEWAL)
    assert zhangwei.say("烟草证要带什么材料") == LICENCE_ASK
    assert zhangwei.say("第３个").startswith("【许可证上的名称、经营者等信息变了怎么变更】")


def test_dues_ask_back_in_and_out_of_service(zhangwei: Member) -> None:
    _dues_library(zhangwei.peer)
    ask = zhangwei.say("党费交多少？")
    assert ask == (
        "您是在职党员，还是离退休党员？\n1. 在职党员\n2. 离退休党员（含退休返聘）\n回复 1 或 2 就行。"
    )
    assert zhangwei.say("我是退休的").startswith("【离退休党员的党费】")
    assert zhangwei.say("党费交多少") == ask
    assert zhangwei.say("在職").startswith("【在职党员的党费】")  # traditional is fine
    assert zhangwei.say("党费交多少") == ask
    assert zhangwei.say("１").startswith("【在职党员的党费】")  # full-width digit


def test_a_number_out_of_range_asks_again(zhangwei: Member) -> None:
    _dues_library(zhangwei.peer)
    zhangwei.say("党费交多少")
    assert zhangwei.say("3") == "请回复 1 或 2，选一个最符合您情况的。"
    assert zhangwei.say("2").startswith("【离退休党员的党费】")


def test_any_other_message_leaves_the_question(zhangwei: Member) -> None:
    assert zhangwei.say("烟草证要带什么材料") == LICENCE_ASK
    assert zhangwei.say("打卡").startswith("打卡成功")  # handled as usual
    assert not zhangwei.say("2").startswith("【")  # no longer an answer to the question
    assert zhangwei.say("烟草证要带什么材料") == LICENCE_ASK
    answer = zhangwei.say("许可证丢了怎么补办")  # a new question is answered as a question
    assert answer.startswith("【许可证丢了或坏了怎么补办】")


def test_the_question_expires(zhangwei: Member, clock) -> None:  # type: ignore[no-untyped-def]
    assert zhangwei.say("烟草证要带什么材料") == LICENCE_ASK
    clock.advance(minutes=31)
    assert not zhangwei.say("2").startswith("【")


def test_handoff_after_a_clarifying_question_forwards_the_question(
    zhangwei: Member, secretary: Member
) -> None:
    zhangwei.say("烟草证要带什么材料")
    assert "已转给支部书记王建国" in zhangwei.say("转人工")
    push = _store(zhangwei.peer).one("SELECT text FROM outbox")
    assert "烟草证要带什么材料" in push["text"]


def test_unbound_followers_are_asked_back_too(wechat: WeChatPeer) -> None:
    stranger = Member(wechat, "o-stranger")
    assert stranger.say("烟草证要带什么材料") == LICENCE_ASK
    assert stranger.say("7").startswith("【许可证丢了或坏了怎么补办】")
