"""Conversations: binding and study check-in."""

from __future__ import annotations

from tests.conftest import Member


def test_checkin_then_again_same_day(zhangwei: Member) -> None:
    first = zhangwei.say("打卡")
    assert first.startswith("打卡成功！已连续学习 1 天，积分 +1。")
    assert "【今日学习】" in first and "出处" in first
    assert len(first) <= 300
    again = zhangwei.say("打卡")
    assert "今天已经打过卡啦" in again
    assert zhangwei.say("我的积分").startswith("张伟的积分：本月 1 分")
