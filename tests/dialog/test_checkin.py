"""Conversations: study check-in, streaks, points and the day boundary (Asia/Shanghai)."""

from __future__ import annotations

import threading

from bot.clock import FixedClock
from bot.services import Services
from tests.conftest import Member


def test_checkin_then_again_same_day(zhangwei: Member) -> None:
    first = zhangwei.say("打卡")
    assert first.startswith("打卡成功！已连续学习 1 天，积分 +1。")
    assert "【今日学习】" in first and "出处" in first
    assert len(first) <= 300
    again = zhangwei.say("学习打卡")
    assert "今天已经打过卡啦" in again and "连续学习 1 天" in again
    assert zhangwei.say("我的积分").startswith("张伟的积分：本月 1 分，本季 1 分，本年 1 分。")


def test_full_width_and_punctuated_commands(zhangwei: Member) -> None:
    assert "打卡成功" in zhangwei.say(" 打卡！")


def test_streak_counts_consecutive_days(zhangwei: Member, clock: FixedClock) -> None:
    assert "连续学习 1 天" in zhangwei.say("打卡")
    clock.advance(days=1)
    assert "连续学习 2 天" in zhangwei.say("打卡")
    clock.advance(days=2)  # skipped a day
    assert "连续学习 1 天" in zhangwei.say("打卡")


def test_day_boundary_is_midnight_in_shanghai(zhangwei: Member, clock: FixedClock) -> None:
    clock.set("2026-12-02T23:59:30+08:00")
    assert "打卡成功" in zhangwei.say("打卡")
    clock.set("2026-12-02T23:59:59+08:00")
    assert "今天已经打过卡啦" in zhangwei.say("打卡")
    clock.set("2026-12-03T00:00:00+08:00")  # 16:00 UTC: still 12-02 in UTC, a new day here
    answer = zhangwei.say("打卡")
    assert "打卡成功" in answer and "连续学习 2 天" in answer


def test_today_study_item_is_the_one_published_today(services: Services) -> None:
    dated = [i for i in services.study.items if i.publish_on]
    for item in dated:
        assert services.study.for_day(item.publish_on) == item  # type: ignore[arg-type]
    assert services.study.for_day("2026-12-02") is not None


def test_concurrent_checkins_from_one_member_make_one_row(zhangwei: Member) -> None:
    services: Services = zhangwei.peer.services  # type: ignore[attr-defined]
    replies: list[str] = []
    barrier = threading.Barrier(2)

    def go() -> None:
        barrier.wait()
        replies.append(zhangwei.say("打卡"))

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum("打卡成功" in r for r in replies) == 1
    assert sum("已经打过卡" in r for r in replies) == 1
    assert services.store.scalar("SELECT COUNT(*) FROM checkins") == 1
    assert services.store.scalar("SELECT SUM(amount) FROM points") == 1


def test_ranking_lists_the_branch(zhangwei: Member) -> None:
    zhangwei.say("打卡")
    board = zhangwei.say("排行")
    assert board.startswith("机关党支部12月党小组排行（人均积分）：\n1. 综合党小组 0.2 分")
    assert "本月前列：1. 张伟 1分" in board


def test_rank_ties_share_the_first_place(zhangwei: Member) -> None:
    assert "排第 1 名（共 5 人）" in zhangwei.say("我的积分")  # everyone has 0 points
    zhangwei.say("打卡")
    liu = zhangwei.peer
    other = Member(liu, "o-liu")
    other.say("绑定 刘洋 13800000004")
    assert "排第 2 名（共 5 人）" in other.say("我的积分")
