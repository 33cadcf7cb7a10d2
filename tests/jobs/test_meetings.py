"""Conversations: 三会一课 meetings — 会议, 请假, 签到, 出勤 — and their reminders."""

from __future__ import annotations

import re

from bot.channels.peer import WeChatPeer
from bot.clock import FixedClock
from bot.services import Services
from tests.conftest import Member, bound
from tests.jobs.conftest import outbox_rows, run_job


def _code(reply: str) -> str:
    m = re.search(r"签到码：(\d{4})", reply)
    assert m, reply
    return m.group(1)


def _services(peer: WeChatPeer) -> Services:
    return peer.services  # type: ignore[attr-defined,no-any-return]


def test_meeting_leave_sign_in_and_attendance(
    wechat: WeChatPeer, secretary: Member, zhangwei: Member, clock: FixedClock
) -> None:
    services = _services(wechat)
    liu = bound(wechat, "o-liuyang", "刘洋", "13800000004")
    xuhai = bound(wechat, "o-xuhai", "徐海", "13800000011")  # 营销党支部

    created = secretary.say("会议 支部党员大会 2026-12-05 15:00 三楼会议室")
    assert created.startswith(
        "已安排：支部党员大会 12月5日（周六）15:00 三楼会议室，已通知机关党支部 10 人，会前24小时和1小时会再提醒。"
    )
    code = _code(created)
    notices = outbox_rows(services, "meeting:1:notice")
    assert len(notices) == 10
    assert notices[0]["text"].startswith("【会议通知】支部党员大会 12月5日（周六）15:00 三楼会议室")

    assert (
        zhangwei.say("请假")
        == "请写上请假原因，例如：请假 出差在外。下一次会议：支部党员大会 12月5日（周六）15:00 三楼会议室。"
    )
    assert (
        zhangwei.say("请假 到市局参加培训")
        == "已为你请假：支部党员大会 12月5日（周六）15:00 三楼会议室。原因：到市局参加培训。"
    )
    leave_rows = outbox_rows(services, "meeting:1:leave:3")
    assert [(r["name"], r["text"]) for r in leave_rows] == [
        (
            "王建国",
            "【请假】张伟 请假不参加支部党员大会 12月5日（周六）15:00 三楼会议室。原因：到市局参加培训",
        )
    ]

    clock.set("2026-12-05T14:20:00+08:00")
    assert (
        liu.say(f"签到 {code}")
        == "还没到签到时间：支部党员大会 12月5日（周六）15:00 三楼会议室，12月5日（周六）14:30 起可以签到。"
    )
    clock.set("2026-12-05T14:35:00+08:00")
    wrong = "0000" if code != "0000" else "1111"
    assert (
        liu.say(f"签到 {wrong}") == "签到码不对，请核对会场公布的4位签到码后重试（还可以试 4 次）。"
    )
    assert (
        liu.say(f"签到 {code}")
        == "签到成功！支部党员大会 12月5日（周六）15:00 三楼会议室。积分 +2。"
    )
    assert (
        liu.say(f"签到{code}") == "你已经签到过了：支部党员大会 12月5日（周六）15:00 三楼会议室。"
    )
    assert secretary.say(f"签到 {code}").startswith("签到成功！")
    assert (
        xuhai.say(f"签到 {code}")
        == "这次会议不在你的参会范围内，无需签到。如有疑问请联系支部书记。"
    )
    how = liu.say("签到怎么用")  # not a code: the library or the fallback answers
    assert not how.startswith(("签到成功", "签到码不对", "你已经签到过了", "还没到签到时间"))

    during = secretary.say("出勤")
    assert during.splitlines()[:2] == [
        "支部党员大会 12月5日（周六）15:00 三楼会议室",
        "应到 10 人，实到 2 人，请假 1 人，未签到 7 人。",
    ]
    assert f"签到码 {code}，12月5日（周六）15:30 截止签到。" in during

    clock.set("2026-12-05T15:31:00+08:00")
    late = bound(wechat, "o-chenjing", "陈静", "13800000005")
    assert late.say(f"签到 {code}") == (
        "签到已经结束了（会议开始后30分钟内可以签到）：支部党员大会 12月5日（周六）15:00 三楼会议室。如有疑问请联系支部书记。"
    )
    after = secretary.say("出勤").splitlines()
    assert after[1] == "应到 10 人，实到 2 人，请假 1 人，缺席 7 人。"
    assert after[2] == "实到：王建国、刘洋"
    assert after[3] == "请假：张伟（到市局参加培训）"
    assert after[4] == "缺席：李秀英、陈静、杨帆、赵磊、黄敏、周强、吴芳"
    assert liu.say("我的积分").startswith("刘洋的积分：本月 2 分")
    assert (
        zhangwei.say("出勤") == "「出勤」只有支部书记或管理员可以使用。如有需要，请联系支部书记。"
    )


def test_leave_after_start_is_refused(
    wechat: WeChatPeer, secretary: Member, zhangwei: Member, clock: FixedClock
) -> None:
    secretary.say("会议 党课 2026-12-05 15:00 党员活动室")
    clock.set("2026-12-05T15:05:00+08:00")
    assert (
        zhangwei.say("请假 临时有事")
        == "会议已经开始，不能再请假了。如有特殊情况请直接联系支部书记。"
    )
    assert zhangwei.say("签到 12345") != "签到码不对，请核对会场公布的4位签到码后重试。"


def test_meeting_scopes(wechat: WeChatPeer, secretary: Member) -> None:
    services = _services(wechat)
    own = secretary.say("会议 党小组会 2026-12-06 10:00 活动室")
    assert own.startswith("已安排：党小组会 12月6日（周日）10:00 活动室，已通知综合党小组 5 人")
    named = secretary.say("会议 党小组会 专卖党小组 2026-12-07 10:00 二楼")
    assert named.startswith("已安排：党小组会 12月7日（周一）10:00 二楼，已通知专卖党小组 5 人")
    committee = secretary.say("会议 支委会 2026-12-08 16:00")
    assert committee.startswith(
        "已安排：支委会 12月8日（周二）16:00 地点待定，已通知机关党支部支委（书记、管理员、党小组长） 4 人"
    )
    names = {r["name"] for r in outbox_rows(services, "meeting:3:notice")}
    assert names == {"王建国", "李秀英", "杨帆", "吴芳"}


def test_bad_meetings(wechat: WeChatPeer, secretary: Member, zhangwei: Member) -> None:
    assert secretary.say("会议").startswith("安排会议的格式：会议 类型 日期 时间 地点")
    assert secretary.say("会议 支部党员大会 2026-12-01 15:00 三楼").startswith(
        "12月1日（周二）15:00 已经过去了"
    )
    assert secretary.say("会议 支部党员大会 下周五 三楼").startswith("请写上具体时间（几点几分）。")
    assert secretary.say("会议 支部党员大会 2026-13-01 15:00 三楼").startswith(
        "没有 13月1日 这一天，请检查日期。"
    )
    assert secretary.say("会议 支部党员大会 开会啦").startswith("没看懂时间。")
    assert not secretary.say("会议记录怎么写").startswith("已安排")
    assert (
        zhangwei.say("会议 党课 2026-12-05 15:00 三楼")
        == "「会议」只有支部书记或管理员可以使用。如有需要，请联系支部书记。"
    )
    assert secretary.say("出勤").startswith("你的支部还没有安排过会议")
    assert zhangwei.say("签到 1234") == "最近没有需要你签到的会议。"
    assert zhangwei.say("请假 生病") == "最近没有需要你参加的会议，不用请假。"


def test_reminders_24h_and_1h_once_and_not_to_those_on_leave(
    wechat: WeChatPeer, secretary: Member, zhangwei: Member, clock: FixedClock
) -> None:
    services = _services(wechat)
    secretary.say("会议 主题党日 2026-12-05 15:00 红色教育基地")
    zhangwei.say("请假 外出")
    assert run_job(services, "meeting_reminders") == 0
    clock.set("2026-12-04T15:00:30+08:00")
    assert run_job(services, "meeting_reminders") == 9  # 10 minus 张伟 on leave
    assert run_job(services, "meeting_reminders") == 0
    rows = outbox_rows(services, "meeting:1:24h")
    assert rows[0]["text"].startswith(
        "【会议提醒】明天召开主题党日 12月5日（周六）15:00 红色教育基地"
    )
    assert "张伟" not in {r["name"] for r in rows}
    clock.set("2026-12-05T14:00:10+08:00")
    assert run_job(services, "meeting_reminders") == 9
    assert outbox_rows(services, "meeting:1:1h")[0]["text"].startswith(
        "【会议提醒】1小时后召开主题党日"
    )


def test_late_meeting_gets_only_the_1h_reminder(
    wechat: WeChatPeer, secretary: Member, clock: FixedClock
) -> None:
    services = _services(wechat)
    secretary.say("会议 支委会 2026-12-02 18:00 书记办公室")
    assert run_job(services, "meeting_reminders") == 0  # created 9 h before: no 24 h reminder
    assert outbox_rows(services, "meeting:1:24h") == []
    clock.set("2026-12-02T17:00:00+08:00")
    assert run_job(services, "meeting_reminders") == 4


def test_unfinished_for_secretary_and_group_leader(
    wechat: WeChatPeer, secretary: Member, zhangwei: Member
) -> None:
    zhangwei.say("打卡")
    leader = bound(wechat, "o-lixiuying", "李秀英", "13800000002")
    answer = secretary.say("未完成").splitlines()
    assert answer[0] == "12月2日 机关党支部 共 10 人："
    assert answer[1] == "未打卡 9 人：王建国、李秀英、刘洋、陈静、杨帆、赵磊、黄敏、周强、吴芳"
    assert answer[2].startswith("未答题 10 人：王建国、李秀英、张伟")
    assert answer[3] == "两项都没完成 9 人，20:00 会自动提醒他们。"
    mine = leader.say("未完成").splitlines()
    assert mine[0] == "12月2日 机关党支部 · 综合党小组 共 5 人："
    assert mine[1] == "未打卡 4 人：王建国、李秀英、刘洋、陈静"
    assert (
        zhangwei.say("未完成")
        == "「未完成」只有支部书记、管理员或党小组长可以使用。如有需要，请联系支部书记。"
    )
