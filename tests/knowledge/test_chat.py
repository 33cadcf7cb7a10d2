"""Conversations: questions, 您是不是想问…, 有用/没用, 转人工 and the secretary's 回复."""

from __future__ import annotations

import dataclasses
import re

from bot.channels.peer import WeChatPeer
from tests.conftest import Member, bound


def _services(peer: WeChatPeer):  # type: ignore[no-untyped-def]
    return peer.services  # type: ignore[attr-defined]


def _outbox(peer: WeChatPeer) -> list[dict]:  # type: ignore[type-arg]
    return _services(peer).store.query("SELECT * FROM outbox ORDER BY id")


def test_question_answer_with_source_then_useless_is_recorded(zhangwei: Member) -> None:
    answer = zhangwei.say("烟证快过期了怎么延期？")
    assert answer.startswith("【烟草专卖零售许可证到期怎么延续】")
    assert "\n出处：" in answer and "12313" in answer
    assert answer.endswith("回复“有用”或“没用”，帮我们改进答复。")
    assert len(answer.encode("utf-8")) < 2048
    assert "谢谢反馈" in zhangwei.say("没用")
    store = _services(zhangwei.peer).store
    row = store.one(
        "SELECT q.outcome, q.entry_id, f.useful FROM kb_feedback f JOIN kb_questions q ON q.id = f.question_id"
    )
    assert row == {"outcome": "answered", "entry_id": "license-renewal", "useful": 0}
    assert "请先提一个问题" in zhangwei.say("有用")  # nothing left to rate


def test_useful_feedback(zhangwei: Member) -> None:
    zhangwei.say("党费交纳标准")
    assert "谢谢您的评价" in zhangwei.say("有用")
    store = _services(zhangwei.peer).store
    assert store.scalar("SELECT useful FROM kb_feedback") == 1


def test_suggestions_then_pick_two(zhangwei: Member) -> None:
    reply = zhangwei.say("处罚")
    assert reply.startswith("没找到完全对应的答案，您是不是想问：")
    assert "回复 1/2/3 查看答复" in reply and "转人工" in reply
    second = re.search(r"^2\. (.+)$", reply, re.M)
    assert second is not None
    picked = zhangwei.say("2")
    assert picked.startswith(f"【{second.group(1)}】") and "出处：" in picked
    store = _services(zhangwei.peer).store
    assert store.scalar("SELECT outcome FROM kb_questions") == "picked"
    # the suggestion is used up: a later "2" is not a pick any more
    assert not zhangwei.say("2").startswith(f"【{second.group(1)}】")


def test_other_text_leaves_the_suggestions_waiting(zhangwei: Member) -> None:
    reply = zhangwei.say("处罚")  # a bare topic word: suggestions ("许可证" alone is asked back)
    first = re.search(r"^1\. (.+)$", reply, re.M)
    assert first is not None
    assert zhangwei.say("我的积分").startswith("张伟的积分")
    assert zhangwei.say("1").startswith(f"【{first.group(1)}】")


def test_unknown_text_falls_back_and_counts_as_a_gap(zhangwei: Member) -> None:
    reply = zhangwei.say("今天天气怎么样")
    assert reply == (
        "抱歉，「今天天气怎么样」我还答不上来。\n常用的有：\n「打卡」今日学习打卡\n"
        "「答题」每日答题（5题）\n「转人工」把问题转给书记或客户经理\n"
        "也可以直接提问，如“许可证怎么延续”；发送「帮助」查看全部功能。"
    )
    store = _services(zhangwei.peer).store
    assert store.scalar("SELECT outcome FROM kb_questions") == "none"


def test_question_about_checkin_is_not_a_checkin(zhangwei: Member) -> None:
    assert zhangwei.say("怎么打卡").startswith("【学习打卡怎么用】")
    assert zhangwei.say("打卡").startswith("打卡成功")


def test_handoff_to_secretary_and_answer(zhangwei: Member, secretary: Member) -> None:
    peer = zhangwei.peer
    zhangwei.say("支部书记的电话是多少能告诉我吗")
    reply = zhangwei.say("转人工")
    match = re.search(r"已转给支部书记王建国（编号 (\d+)）", reply)
    assert match, reply
    number = match.group(1)
    pushes = _outbox(peer)
    assert len(pushes) == 1
    push = pushes[0]
    assert push["job"] == f"handoff:{number}" and push["kind"] == "notice"
    assert push["member_id"] == 1  # 王建国
    assert (
        f"【转人工 {number}】张伟（机关党支部·员工）问：支部书记的电话是多少能告诉我吗"
        in push["text"]
    )
    assert f"回复 {number} 您的答复" in push["text"]
    assert "已经转过了" in zhangwei.say("转人工")  # the same question once

    done = secretary.say(f"回复 {number} 我的电话是 13800000001，工作日都在。")
    assert done == f"已答复编号 {number}，答复已推送给张伟。"
    reply_push = _outbox(peer)[-1]
    assert reply_push["member_id"] == 3 and reply_push["kind"] == "reply"
    assert reply_push["job"] == f"handoff:{number}:reply"
    assert "王建国答复：我的电话是 13800000001，工作日都在。" in reply_push["text"]
    assert secretary.say(f"回复 {number} 再说一次") == f"编号 {number} 已经答复过了。"
    store = _services(peer).store
    assert store.scalar("SELECT status FROM handoffs") == "answered"


def test_handoff_without_a_question_asks_for_it(zhangwei: Member) -> None:
    assert "请把您的问题用一条消息发给我" in zhangwei.say("转人工")
    reply = zhangwei.say("我家店门口要修路，能不能暂时换个地方卖")
    assert "已转给支部书记王建国" in reply
    assert "我家店门口要修路" in _outbox(zhangwei.peer)[0]["text"]


def test_handoff_after_two_hours_asks_for_the_question(zhangwei: Member, clock) -> None:  # type: ignore[no-untyped-def]
    zhangwei.say("支部书记的电话是多少能告诉我吗")
    zhangwei.say("你好")
    clock.advance(hours=2, minutes=1)
    assert "请把您的问题用一条消息发给我" in zhangwei.say("转人工")
    assert _outbox(zhangwei.peer) == []
    assert "已转给支部书记王建国" in zhangwei.say("我想问下党费怎么交")
    assert "我想问下党费怎么交" in _outbox(zhangwei.peer)[0]["text"]


def test_retail_owner_goes_to_the_customer_manager(wechat: WeChatPeer) -> None:
    services = _services(wechat)
    services.settings = dataclasses.replace(services.settings, customer_manager="13800000012")
    machao = Member(wechat, "o-machao")
    assert "绑定成功" in machao.say("绑定 马超 13800000013")
    machao.say("小孩来买烟能卖吗")
    reply = machao.say("转人工")
    assert "已转给客户经理孙丽" in reply
    assert _outbox(wechat)[0]["member_id"] == 12


def test_unbound_follower_goes_to_the_first_branch(wechat: WeChatPeer) -> None:
    stranger = Member(wechat, "o-stranger")
    stranger.say("我想在菜市场摆摊卖烟行不行")
    reply = stranger.say("转人工")
    assert "已转给支部书记王建国" in reply and "绑定" in reply
    push = _outbox(wechat)[0]
    assert push["member_id"] == 1 and "未绑定的关注者" in push["text"]


def test_reply_is_for_secretaries_only_else_a_question(zhangwei: Member, secretary: Member) -> None:
    zhangwei.say("支部书记的电话是多少能告诉我吗")
    number = re.search(r"编号 (\d+)", zhangwei.say("转人工")).group(1)  # type: ignore[union-attr]
    not_mine = zhangwei.say(f"回复 {number} 我自己回答")
    assert not not_mine.startswith("已答复")
    assert secretary.say("回复 999 你好") == "没有编号 999 的本支部转人工问题，请核对编号。"
    assert not secretary.say("回复一下怎么写").startswith("已答复")


def test_a_secretary_answers_only_their_own_branchs_handoffs(
    zhangwei: Member, secretary: Member
) -> None:
    peer = zhangwei.peer
    xuhai = bound(peer, "o-xuhai", "徐海", "13800000011")  # 支部书记 of 营销党支部
    hubin = bound(peer, "o-hubin", "胡斌", "13800000015")  # 党员 of 营销党支部
    wufang = bound(peer, "o-wufang", "吴芳", "13800000010")  # 管理员 (of 机关党支部)
    zhangwei.say("支部书记的电话是多少能告诉我吗")
    office = re.search(r"编号 (\d+)", zhangwei.say("转人工")).group(1)  # type: ignore[union-attr]
    hubin.say("党费按什么比例交")
    market = re.search(r"编号 (\d+)", hubin.say("转人工")).group(1)  # type: ignore[union-attr]

    # Another branch's secretary is told nothing, not even whether the number exists.
    refused = xuhai.say(f"回复 {office} 我来回答")
    assert refused == f"没有编号 {office} 的本支部转人工问题，请核对编号。"
    assert secretary.say(f"回复 {market} 我来回答") == (
        f"没有编号 {market} 的本支部转人工问题，请核对编号。"
    )
    store = _services(peer).store
    assert store.scalar("SELECT COUNT(*) FROM handoffs WHERE status = 'open'") == 2
    assert not any(p["job"].endswith(":reply") for p in _outbox(peer))

    # The branch's own secretary answers theirs; a 管理员 answers any branch's.
    assert secretary.say(f"回复 {office} 工作日都在。") == (
        f"已答复编号 {office}，答复已推送给张伟。"
    )
    assert wufang.say(f"回复 {market} 按工资比例。") == f"已答复编号 {market}，答复已推送给胡斌。"
    assert store.scalar("SELECT COUNT(*) FROM handoffs WHERE status = 'open'") == 0


def test_greetings_are_not_counted_as_gaps(zhangwei: Member) -> None:
    zhangwei.say("你好")
    zhangwei.say("谢谢")
    assert _services(zhangwei.peer).store.scalar("SELECT COUNT(*) FROM kb_questions") == 0


def test_feedback_on_an_old_answer_is_not_recorded(zhangwei: Member, clock) -> None:  # type: ignore[no-untyped-def]
    zhangwei.say("党费交纳标准")
    clock.advance(days=2)
    assert "请先提一个问题" in zhangwei.say("没用")
    assert _services(zhangwei.peer).store.scalar("SELECT COUNT(*) FROM kb_feedback") == 0


def test_suggestions_expire(zhangwei: Member, clock) -> None:  # type: ignore[no-untyped-def]
    reply = zhangwei.say("处罚")  # a bare topic word: suggestions ("许可证" alone is asked back)
    first = re.search(r"^1\. (.+)$", reply, re.M)
    assert first is not None
    clock.advance(minutes=31)
    assert not zhangwei.say("1").startswith(f"【{first.group(1)}】")
