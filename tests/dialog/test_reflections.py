"""心得 in conversation: at least 50 characters, the member's own words (not a near-copy of
their earlier 心得, of another member's or of the day's study item), points per the rules."""

from __future__ import annotations

from bot.channels.peer import WeChatPeer
from bot.clock import FixedClock
from bot.services import Services
from tests.conftest import Member, bound

MINE = (
    "心得 今天学习了三会一课制度，认识到支部党员大会、支委会、党小组会和党课都是党内组织生活的"
    "基本形式。作为一名普通党员，我要按时参加会议，认真准备发言，把学到的道理用到本职工作中去。"
)
EDITED = (
    "心得 今天学了三会一课制度，认识到支部党员大会、支委会、党小组会和党课都是党内组织生活的"
    "基本形式。作为一名党员，我要按时参加会议，认真准备发言，把学到的道理用到日常工作中。"
)
OTHER = (
    "心得 廉洁这件事，说起来容易做起来难。逢年过节总有客户想表示心意，我的办法是提前讲清楚规矩，"
    "实在推不掉的当场退回并向组长报告。守住小节，才能守住大节。"
)


def test_a_short_reflection_is_refused_with_the_count(zhangwei: Member) -> None:
    assert zhangwei.say("心得").startswith("请在「心得」后面写下你的学习体会（至少50个字）")
    reply = zhangwei.say("心得 今天学习了党章，收获很大！！")
    assert reply.startswith("心得至少要写50个字（现在11个字，不算标点）。")


def test_own_words_earn_points_and_copies_are_refused(
    wechat: WeChatPeer, zhangwei: Member, clock: FixedClock
) -> None:
    assert zhangwei.say(MINE) == "心得已记录，谢谢分享！积分 +1。"
    store = wechat.services.store  # type: ignore[attr-defined]
    assert store.scalar("SELECT text FROM reflections") == MINE[len("心得 ") :]  # as typed
    clock.set("2026-12-03T09:00:00+08:00")
    refused = zhangwei.say(EDITED)
    assert refused.startswith("这篇心得和你12月2日写的心得重合太多（")
    assert refused.endswith("请写写新的体会。")
    liu = bound(wechat, "o-liuyang", "刘洋", "13800000004")
    assert "和其他同志的心得重合太多" in liu.say(EDITED)
    assert "和其他同志的心得重合太多" in liu.say(
        MINE.replace("学习", "學習").replace("会议", "會議")
    )
    assert liu.say(OTHER) == "心得已记录，谢谢分享！积分 +1。"
    # A second one the same day is kept, but the daily cap (1) is reached.
    second = (
        "心得 民主评议的时候大家容易怕得罪人。我觉得提意见要对事不对人，说具体的事情，比如谁的报表"
        "经常晚交、谁接待客户态度生硬，这样被提的人也知道怎么改，评议才有意义。"
    )
    assert liu.say(second) == "心得已记录，谢谢分享！（心得积分已达今天或本月的上限）"
    assert store.scalar("SELECT COUNT(*) FROM reflections") == 3


def test_a_copy_of_the_days_study_item_is_refused(wechat: WeChatPeer, zhangwei: Member) -> None:
    services: Services = wechat.services  # type: ignore[attr-defined]
    item = services.study.for_day("2026-12-02")
    assert item is not None
    reply = zhangwei.say(f"心得 今天学习的内容：{item.body}")
    assert reply.startswith("这篇心得和今天的学习内容重合太多（")
    assert "请用自己的话谈谈体会" in reply
