"""Conversations: the daily quiz (答题, answers, 跳过, 退出, 再练一组, 错题, the day boundary)."""

from __future__ import annotations

import pytest

from bot.channels.peer import WeChatPeer
from bot.clock import FixedClock
from bot.quiz.bank import Question, QuizBank
from storage import points
from tests.conftest import Member
from tests.quiz.bankutil import current, fixture_bank, right_answer, synthetic, wrong_answer

LIMIT = 600


def use_bank(peer: WeChatPeer, bank: QuizBank) -> QuizBank:
    peer.services.quizzes = bank  # type: ignore[attr-defined]
    return bank


@pytest.fixture
def bank(wechat: WeChatPeer) -> QuizBank:
    return use_bank(wechat, fixture_bank())


def say(member: Member, text: str) -> str:
    reply = member.say(text)
    assert len(reply) <= LIMIT, (len(reply), reply)
    return reply


def play_all(member: Member, bank: QuizBank, first: str, right: bool = True) -> str:
    """Answer every question from `first` on; returns the last reply (the summary)."""
    reply = first
    while "题 · " in reply and "本组答完" not in reply and "练习完成" not in reply:
        reply = say(member, right_answer(reply, bank) if right else wrong_answer(reply, bank))
    return reply


def test_whole_quiz_all_right(zhangwei: Member, bank: QuizBank, wechat: WeChatPeer) -> None:
    first = say(zhangwei, "答题")
    assert first.startswith("今天的每日答题共 5 题")
    assert "第1/5题 · " in first
    n, m, q, options = current(first, bank)
    assert (n, m) == (1, 5)
    reply = say(zhangwei, right_answer(first, bank))
    assert reply.startswith("√ 回答正确！答案：")
    assert f"出处：{q.source}" in reply
    assert "解析：" in reply and "第2/5题" in reply
    last = play_all(zhangwei, bank, reply)
    assert "本组答完！答对 5/5 题，积分 +6。" in last
    assert "已连续答题 1 天，今天在综合党小组排第 1 名（已完成 1 人）。" in last
    assert "再练一组" in last
    assert say(zhangwei, "我的积分").startswith("张伟的积分：本月 6 分")
    store = wechat.services.store  # type: ignore[attr-defined]
    rows = store.query("SELECT sent_at, answered_at, correct FROM quiz_attempts")
    assert len(rows) == 5
    assert all(r["sent_at"] and r["answered_at"] and r["correct"] == 1 for r in rows)


def test_wrong_answers_show_the_right_one(zhangwei: Member, bank: QuizBank) -> None:
    first = say(zhangwei, "答题")
    _, _, q, options = current(first, bank)
    reply = say(zhangwei, wrong_answer(first, bank))
    assert reply.startswith("× 答错了。正确答案：")
    assert q.explanation[:10] in reply and q.source in reply
    last = play_all(zhangwei, bank, reply, right=False)
    assert "本组答完！答对 0/5 题，积分 +0。" in last
    book = say(zhangwei, "错题")
    assert book.startswith("你还有 5 道错题")
    assert "答案：" in book and "解析：" in book


def test_empty_wrong_book(zhangwei: Member, bank: QuizBank) -> None:
    assert say(zhangwei, "错题").startswith("错题本是空的")


def test_leave_and_resume(zhangwei: Member, bank: QuizBank) -> None:
    first = say(zhangwei, "答题")
    second = say(zhangwei, right_answer(first, bank))
    assert "第2/5题" in second
    assert say(zhangwei, "退出").startswith("已退出答题，进度已保存")
    # After leaving, a letter is not taken as an answer.
    assert "第2/5题" not in say(zhangwei, "A")
    again = say(zhangwei, "答题")
    assert again.startswith("接着答今天的题")
    assert "第2/5题" in again
    assert current(again, bank)[2] == current(second, bank)[2]
    last = play_all(zhangwei, bank, again)
    assert "答对 5/5 题" in last


def test_second_quiz_same_day_is_practice(
    zhangwei: Member, bank: QuizBank, wechat: WeChatPeer
) -> None:
    assert say(zhangwei, "再练一组").startswith("先完成今天的每日答题")
    play_all(zhangwei, bank, say(zhangwei, "答题"))
    done = say(zhangwei, "答题")
    assert done.startswith("今天的每日答题已完成：答对 5/5 题，积分 +6。")
    practice = say(zhangwei, "再练一组")
    assert practice.startswith("练习一组 5 题（练习不计积分）")
    last = play_all(zhangwei, bank, practice)
    assert "练习完成！答对 5/5 题（练习不计积分）" in last
    assert say(zhangwei, "我的积分").startswith("张伟的积分：本月 6 分")
    # The bank has 12 questions: the practice set brings 5 the member has not seen today.
    store = wechat.services.store  # type: ignore[attr-defined]
    ids = [r["question_id"] for r in store.query("SELECT question_id FROM quiz_attempts")]
    assert len(ids) == 10 and len(set(ids)) == 10


def test_skip_counts_as_wrong(zhangwei: Member, bank: QuizBank) -> None:
    first = say(zhangwei, "答题")
    reply = say(zhangwei, "跳过")
    assert reply.startswith("→ 已跳过。正确答案：")
    assert "第2/5题" in reply
    last = play_all(zhangwei, bank, reply)
    assert "答对 4/5 题，积分 +4" in last
    assert current(first, bank)[2].stem[:8] in say(zhangwei, "错题")


def test_non_answers_reshow_the_question(wechat: WeChatPeer, zhangwei: Member) -> None:
    bank = use_bank(wechat, synthetic("single", 5))
    first = say(zhangwei, "答题")
    for text in ("嗯嗯", "好的", "对", "E", "AB", "😀", "]]>"):
        reply = say(zhangwei, text)
        assert reply.startswith("没看懂这个答案"), (text, reply)
        assert "第1/5题" in reply
    assert "只能选一个" in say(zhangwei, "AB")
    reply = say(zhangwei, right_answer(first, bank))
    assert reply.startswith("√") and "第2/5题" in reply


def test_judge_and_blank_hints(wechat: WeChatPeer, zhangwei: Member) -> None:
    use_bank(wechat, synthetic("judge", 5))
    assert say(zhangwei, "答题")
    assert "回复「对」或「错」" in say(zhangwei, "AC")


SINGLE_FORMS = ["{x}", "{lx}", "{wx}", "选{x}", "答案是{x}"]
MULTI_FORMS = ["{xy}", "{x},{y}", "{x}、{y}", "{lx} {ly}", "{y}{x}"]
JUDGE_TRUE = ["对", "√", "✓", "正确", "是", "T", "对的", "t"]
JUDGE_FALSE = ["错", "×", "✗", "错误", "否", "F", "错的", "f"]


def _fill(form: str, letters: str) -> str:
    wide = {c: chr(ord(c) + 0xFEE0) for c in "ABCDEF"}
    x = letters[0]
    y = letters[1] if len(letters) > 1 else ""
    return form.format(x=x, y=y, xy=letters, lx=x.lower(), ly=y.lower(), wx=wide[x])


def test_every_single_choice_form(wechat: WeChatPeer, zhangwei: Member) -> None:
    bank = use_bank(wechat, synthetic("single", 5))
    reply = say(zhangwei, "答题")
    for form in SINGLE_FORMS:
        text = _fill(form, right_answer(reply, bank))
        reply = say(zhangwei, text)
        assert reply.startswith("√"), (form, text, reply)
    assert "答对 5/5 题" in reply


def test_every_multi_choice_form(wechat: WeChatPeer, zhangwei: Member) -> None:
    bank = use_bank(wechat, synthetic("multi", 5))
    reply = say(zhangwei, "答题")
    assert "多选题" in reply and "如 AC" in reply
    for form in MULTI_FORMS:
        text = _fill(form, right_answer(reply, bank))
        reply = say(zhangwei, text)
        assert reply.startswith("√"), (form, text, reply)
    assert "答对 5/5 题" in reply


def test_every_judge_form(wechat: WeChatPeer, zhangwei: Member) -> None:
    bank = use_bank(wechat, synthetic("judge", 20))
    forms = {"对": list(JUDGE_TRUE), "错": list(JUDGE_FALSE)}
    reply = say(zhangwei, "答题")
    used = 0
    while forms["对"] or forms["错"]:
        if "练习完成" in reply or "本组答完" in reply:
            reply = say(zhangwei, "再练一组")
        _, _, q, _ = current(reply, bank)
        pool = forms[q.answer[0]]
        text = pool.pop() if pool else q.answer[0]
        reply = say(zhangwei, text)
        assert reply.startswith("√"), (text, reply)
        used += 1
    assert used >= 16


def test_blank_forms(wechat: WeChatPeer, zhangwei: Member) -> None:
    use_bank(wechat, synthetic("blank", 5))
    say(zhangwei, "答题")
    for text in ("8", "八", " 八 项 ", "８", "八项。"):
        reply = say(zhangwei, text)
        assert reply.startswith("√"), (text, reply)
    assert "答对 5/5 题" in reply


def test_policy_question_and_commands_during_a_quiz(zhangwei: Member, bank: QuizBank) -> None:
    first = say(zhangwei, "答题")
    asked = say(zhangwei, "零售许可证到期了怎么延续？")
    assert "没看懂这个答案" not in asked and "第1/5题" not in asked
    assert say(zhangwei, "打卡").startswith("打卡成功")
    assert say(zhangwei, "我的积分").startswith("张伟的积分")
    assert "答题" in say(zhangwei, "帮助")
    reply = say(zhangwei, right_answer(first, bank))
    assert reply.startswith("√") and "第2/5题" in reply


def test_day_boundary(
    zhangwei: Member, bank: QuizBank, clock: FixedClock, wechat: WeChatPeer
) -> None:
    clock.set("2026-12-02T23:58:00+08:00")
    reply = say(zhangwei, "答题")
    reply = say(zhangwei, right_answer(reply, bank))
    clock.set("2026-12-03T00:01:00+08:00")
    reply = say(zhangwei, right_answer(reply, bank))
    assert reply.startswith("√") and "第3/5题" in reply
    last = play_all(zhangwei, bank, reply)
    assert "本组答完！答对 5/5 题，积分 +6。" in last
    store = wechat.services.store  # type: ignore[attr-defined]
    assert store.scalar("SELECT day FROM points WHERE kind = 'quiz'") == "2026-12-02"
    # The new day has its own set.
    member_id = store.scalar("SELECT id FROM members WHERE name = '张伟'")
    assert points.day_total(store, member_id, "2026-12-02", ("quiz", "quiz_perfect")) == 6
    assert points.day_total(store, member_id, "2026-12-03", ("quiz", "quiz_perfect")) == 0
    fresh = say(zhangwei, "答题")
    assert fresh.startswith("今天的每日答题共 5 题")
    days = [r["day"] for r in store.query("SELECT day FROM quiz_sessions ORDER BY id")]
    assert days == ["2026-12-02", "2026-12-03"]


def test_a_set_left_overnight_expires(zhangwei: Member, bank: QuizBank, clock: FixedClock) -> None:
    reply = say(zhangwei, "答题")
    clock.set("2026-12-03T08:00:00+08:00")
    expired = say(zhangwei, right_answer(reply, bank))
    assert expired.startswith("上次的答题已经过了时间")
    assert say(zhangwei, "答题").startswith("今天的每日答题共 5 题")


def test_unbound_member_is_asked_to_bind(wechat: WeChatPeer) -> None:
    reply = wechat.send("o-stranger", "答题")
    assert "绑定" in reply.text


def test_policy_question_during_a_blank_question(wechat: WeChatPeer, zhangwei: Member) -> None:
    use_bank(wechat, synthetic("blank", 5))
    say(zhangwei, "答题")
    asked = say(zhangwei, "请问电子烟可以网上卖吗？")
    assert not asked.startswith(("√", "×")) and "第2/5题" not in asked
    assert say(zhangwei, "办理八项").startswith("×")  # a plain answer, even with 办理 in it
    assert say(zhangwei, "8").startswith("√")


def test_wrong_book_shows_whole_stems_within_the_reply_size(
    zhangwei: Member, wechat: WeChatPeer
) -> None:
    long_bank = QuizBank(
        Question(
            id=f"long-{i}",
            type="judge",
            stem=f"第{i}题："
            + "党支部应当按照规定组织党员认真学习党的理论和路线方针政策，" * 4
            + "对吗",
            options=(),
            answer=("错",),
            explanation="解析开头。"
            + "这是为了说明理由而写得很长的一段解析文字，" * 12
            + "解析结尾",
            source="《中国共产党支部工作条例（试行）》第十一条",
            tags=("长题",),
        )
        for i in range(1, 6)
    )
    use_bank(wechat, long_bank)
    reply = zhangwei.say("答题")
    while "题 · " in reply and "本组答完" not in reply:
        reply = zhangwei.say("对")  # every answer wrong
    book = zhangwei.say("错题")
    assert book.startswith("你还有 5 道错题")
    assert len(book.encode("utf-8")) <= 2048
    shown = [q for q in long_bank.questions if q.stem in book]
    assert len(shown) >= 2  # whole stems, never cut mid-sentence
    assert all(f"{q.stem}\n答案：错" in book for q in shown)
    assert "解析开头。" in book and "解析结尾" not in book  # the explanation is what gets shortened
    if len(shown) < 5:
        assert book.endswith(f"……还有 {5 - len(shown)} 道，答题时会陆续复习。")
