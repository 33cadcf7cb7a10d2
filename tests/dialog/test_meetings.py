"""Conversations: several meetings at once (签到 against every upcoming meeting, 请假 编号),
the reminders 会议 promises, and the sign-in lockout after five wrong codes."""

from __future__ import annotations

import re

from bot.channels.peer import WeChatPeer
from bot.clock import FixedClock
from bot.services import Services
from storage import meetings
from storage import points as ledger
from tests.conftest import Member, bound


def _code(reply: str) -> str:
    m = re.search(r"签到码：(\d{4})", reply)
    assert m, reply
    return m.group(1)


def _services(peer: WeChatPeer) -> Services:
    return peer.services  # type: ignore[attr-defined,no-any-return]


def _other(*codes: str) -> list[str]:
    """Four-digit codes that are none of `codes`."""
    return [f"{n:04d}" for n in range(10000) if f"{n:04d}" not in codes]


def test_several_meetings_sign_in_and_leave(
    wechat: WeChatPeer, secretary: Member, zhangwei: Member, clock: FixedClock
) -> None:
    # Wednesday 2 December 2026, 09:00.
    big = secretary.say("会议 支部党员大会 12月11日 15:00 三楼会议室")
    assert big.startswith(
        "已安排：支部党员大会 12月11日（周五）15:00 三楼会议室，已通知机关党支部 10 人，"
        "会前24小时和1小时会再提醒。"
    )
    small = secretary.say("会议 党小组会 综合党小组 今天 9:10 活动室")
    assert small.startswith(
        "已安排：党小组会 12月2日（周三）09:10 活动室，已通知综合党小组 5 人，"
        "会议不到1小时就开始，不再另行提醒。"
    )
    lesson = secretary.say("会议 党课 明天 上午8点 党员活动室")
    assert lesson.startswith(
        "已安排：党课 12月3日（周四）08:00 党员活动室，已通知机关党支部 10 人，会前1小时会再提醒。"
    )
    big_code, small_code = _code(big), _code(small)
    assert len({big_code, small_code, _code(lesson)}) == 3

    # The later meeting's code: its sign-in has not opened yet (not "签到码不对").
    assert zhangwei.say(f"签到 {big_code}") == (
        "还没到签到时间：支部党员大会 12月11日（周五）15:00 三楼会议室，"
        "12月11日（周五）14:30 起可以签到。"
    )
    assert zhangwei.say(f"签到 {small_code}") == (
        "签到成功！党小组会（综合党小组） 12月2日（周三）09:10 活动室。积分 +2。"
    )

    # Signed in to today's meeting, two more ahead: 请假 asks which one.
    assert zhangwei.say("请假 家里有事") == (
        "你有 2 个会议还没开始，请写明为哪一个请假：\n"
        "1. 党课 12月3日（周四）08:00 党员活动室\n"
        "2. 支部党员大会 12月11日（周五）15:00 三楼会议室\n"
        "发送「请假 编号 原因」，例如：请假 2 出差在外。"
    )
    assert zhangwei.say("请假 5 出差").startswith("没有第 5 个会议。你还没开始的会议：\n1. 党课")
    assert zhangwei.say("请假 2") == (
        "请写上请假原因，例如：请假 2 出差在外。会议：支部党员大会 12月11日（周五）15:00 三楼会议室。"
    )
    assert zhangwei.say("请假 2 到省局参加培训") == (
        "已为你请假：支部党员大会 12月11日（周五）15:00 三楼会议室。原因：到省局参加培训。"
    )
    assert "2. 支部党员大会 12月11日（周五）15:00 三楼会议室（已请假）" in zhangwei.say("请假")

    # A member of the other 党小组 has only the two branch meetings.
    yang = bound(wechat, "o-yangfan", "杨帆", "13800000006")
    assert yang.say(f"签到 {small_code}") == (
        "这次会议不在你的参会范围内，无需签到。如有疑问请联系支部书记。"
    )
    clock.set("2026-12-03T16:00:00+08:00")  # the 党课 is over: one meeting left
    assert yang.say("请假 出差") == (
        "已为你请假：支部党员大会 12月11日（周五）15:00 三楼会议室。原因：出差。"
    )


def test_twenty_wrong_codes_lock_the_sign_in(
    wechat: WeChatPeer, secretary: Member, clock: FixedClock
) -> None:
    services = _services(wechat)
    code = _code(secretary.say("会议 支部党员大会 12月5日 15:00 三楼会议室"))
    liu = bound(wechat, "o-liuyang", "刘洋", "13800000004")
    clock.set("2026-12-05T14:40:00+08:00")
    wrong = _other(code)[:20]
    replies = [liu.say(f"签到 {c}") for c in wrong]
    assert replies[:4] == [
        f"签到码不对，请核对会场公布的4位签到码后重试（还可以试 {n} 次）。" for n in (4, 3, 2, 1)
    ]
    assert replies[4] == (
        "签到码不对。已经输错5次，支部党员大会 12月5日（周六）15:00 三楼会议室的签到已锁定。"
        "请联系支部书记为你签到。"
    )
    locked = (
        "签到码输错次数太多，支部党员大会 12月5日（周六）15:00 三楼会议室的签到已锁定。"
        "请联系支部书记为你签到。"
    )
    assert replies[5:] == [locked] * 15
    assert liu.say(f"签到 {code}") == locked  # the right code no longer works for 刘洋
    assert ledger.total(services.store, 4) == 0

    # Others are not affected; the secretary sees who is locked out.
    assert secretary.say(f"签到 {code}").startswith("签到成功！")
    report = secretary.say("出勤")
    assert (
        "签到码输错5次被锁定：刘洋。到会的请管理员用 dangjian meeting signin 1 手机号 补签。"
        in report
    )


def test_wrong_codes_before_the_sign_in_opens_also_count(
    wechat: WeChatPeer, secretary: Member, zhangwei: Member, clock: FixedClock
) -> None:
    """Guessing a later meeting's code is no way around the limit: a miss counts against
    every meeting the code was compared with."""
    code = _code(secretary.say("会议 支部党员大会 12月11日 15:00 三楼会议室"))
    first = zhangwei.say(f"签到 {_other(code)[0]}")
    assert first == (
        "签到码不对。你的下一次会议：支部党员大会 12月11日（周五）15:00 三楼会议室，"
        "12月11日（周五）14:30 起可以签到，签到码在会场公布（还可以试 4 次）。"
    )
    for c in _other(code)[1:5]:
        zhangwei.say(f"签到 {c}")
    clock.set("2026-12-11T14:45:00+08:00")
    assert zhangwei.say(f"签到 {code}").startswith("签到码输错次数太多")
    row = meetings.invitation(_services(wechat).store, 1, 3)
    assert row is not None and row["wrong_codes"] == 5 and row["status"] == "invited"
