"""Conversations: a notice preview waits only for the secretary's next message, and 定时通知
understands the times people write, echoing the date and weekday."""

from __future__ import annotations

from bot.channels.peer import WeChatPeer
from bot.clock import FixedClock, parse_stamp
from bot.services import Services
from tests.conftest import Member


def _broadcasts(peer: WeChatPeer) -> list[dict[str, object]]:
    services: Services = peer.services  # type: ignore[attr-defined]
    return services.store.query("SELECT id, text, send_at, status FROM broadcasts ORDER BY id")


DROPPED = "（刚才的通知预览已作废，没有发出。要发送请重新发布。）"
NOTHING = "现在没有等待确认的通知，什么也没有发出。要发通知，请发送「发布通知 内容」。"


def test_a_stale_preview_cannot_be_sent(wechat: WeChatPeer, secretary: Member) -> None:
    assert secretary.say("发布通知 测试").startswith(
        "【通知预览】将发给机关党支部全体 10 人：\n测试"
    )
    checkin = secretary.say("打卡")
    assert checkin.startswith(DROPPED + "\n")
    assert "打卡成功" in checkin
    assert secretary.say("确认") == NOTHING
    assert _broadcasts(wechat) == []


def test_a_new_notice_replaces_the_waiting_one(wechat: WeChatPeer, secretary: Member) -> None:
    secretary.say("发布通知 第一稿")
    second = secretary.say("发布通知 第二稿")
    assert second.startswith(DROPPED + "\n【通知预览】将发给机关党支部全体 10 人：\n第二稿")
    assert secretary.say("确认").startswith("通知已发出（编号 1），共 10 人。")
    assert [b["text"] for b in _broadcasts(wechat)] == ["第二稿"]
    assert secretary.say("确认") == NOTHING


def test_cancel_and_confirm_with_nothing_waiting(
    wechat: WeChatPeer, secretary: Member, zhangwei: Member
) -> None:
    assert zhangwei.say("确认") == NOTHING
    secretary.say("发布通知 明天停电")
    assert secretary.say("取消") == "已取消，这条通知没有发出。"
    assert secretary.say("确定") == NOTHING
    assert _broadcasts(wechat) == []


def test_scheduled_notice_times_people_write(
    wechat: WeChatPeer, secretary: Member, clock: FixedClock
) -> None:
    # Wednesday 2 December 2026, 09:00.
    cases = {
        "明天 09:00": "12月3日（周四）09:00",
        "后天 15:00": "12月4日（周五）15:00",
        "周五 15:00": "12月4日（周五）15:00",
        "下周一 9点": "12月7日（周一）09:00",
        "12月11日 15:00": "12月11日（周五）15:00",
        "12-11 15:00": "12月11日（周五）15:00",
        "2026-12-11 15:00": "12月11日（周五）15:00",
        "下午3点": "12月2日（周三）15:00",
        "晚上7点半": "12月2日（周三）19:30",
        "今天 20:00": "12月2日（周三）20:00",
        "１２月１１日（周五）１５：００": "12月11日（周五）15:00",
        "1月5日 9:00": "2027年1月5日（周二）09:00",
    }
    for when, shown in cases.items():
        preview = secretary.say(f"定时通知 {when} 请按时参加学习。")
        assert preview == (
            f"【通知预览】将于 {shown} 发给机关党支部全体 10 人：\n请按时参加学习。\n"
            "回复「确认」定时发送，回复「取消」放弃。"
        ), when
        secretary.say("取消")
    secretary.say("定时通知 周五 15:00 支部党员大会改在三楼。")
    assert secretary.say("确认").startswith("已安排（编号 1）：12月4日（周五）15:00 发给 10 人。")
    sent_at = parse_stamp(_broadcasts(wechat)[0]["send_at"])  # stored in UTC
    assert sent_at == parse_stamp("2026-12-04T15:00:00+08:00")


def test_errors_give_a_current_example(
    wechat: WeChatPeer, secretary: Member, clock: FixedClock
) -> None:
    past = secretary.say("定时通知 今天 08:00 开会")
    assert past == (
        "12月2日（周三）08:00 已经过去了，请换一个以后的时间，"
        "例如：明天 09:00、下周一 下午3点、12月10日 15:00。"
    )
    assert secretary.say("定时通知 12月11日（周四）15:00 开会") == (
        "12月11日是周五，不是周四，请核对日期。\n"
        "定时通知的格式：定时通知 时间 通知内容，例如：定时通知 明天 09:00 请按时参加学习。\n"
        "时间可以写：明天 09:00、下周一 下午3点、12月10日 15:00。"
    )
    clock.advance(days=40)  # 11 January 2027: the examples move with today
    later = secretary.say("定时通知 今天 08:00 开会")
    assert later.endswith("例如：明天 09:00、下周一 下午3点、1月19日 15:00。")
    usage = secretary.say("定时通知")
    assert (
        "2026" not in usage and "时间可以写：明天 09:00、下周一 下午3点、1月19日 15:00。" in usage
    )
    assert "2026" not in secretary.say("帮助")
