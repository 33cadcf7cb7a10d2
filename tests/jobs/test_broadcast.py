"""Conversations: a secretary's notice, from preview to the fake API and the delivery summary."""

from __future__ import annotations

from bot.channels.peer import WeChatPeer
from bot.clock import FixedClock
from bot.services import Services
from tests.conftest import Member
from tests.fakes.wechat_api import FakeWeChatAPI
from tests.jobs.conftest import bind, drain, outbox_rows, run_job


def test_notice_preview_confirm_dispatch_and_summary(
    oa: WeChatPeer, api_services: Services, fake_api: FakeWeChatAPI
) -> None:
    secretary = bind(oa, "o-wang", "王建国", "13800000001")
    zhang = bind(oa, "o-zhang", "张伟", "13800000003")
    bind(oa, "o-liu", "刘洋", "13800000004")

    preview = secretary.say("发布通知 周五下午3点在三楼会议室召开支部党员大会，请准时参加。")
    assert preview.startswith("【通知预览】将发给机关党支部全体 10 人：")
    assert "周五下午3点在三楼会议室召开支部党员大会，请准时参加。" in preview
    assert "回复「确认」发送，回复「取消」放弃。" in preview
    assert outbox_rows(api_services) == []  # nothing queued before 确认

    assert zhang.say("打卡").startswith("打卡成功")  # others are not affected

    done = secretary.say("确认")
    assert done == "通知已发出（编号 1），共 10 人。全部送达后会告诉你送达情况。"
    rows = outbox_rows(api_services, "broadcast:1")
    assert len(rows) == 10 and {r["status"] for r in rows} == {"pending"}
    assert secretary.say("确认") != done  # the pending notice is gone: nothing sent twice

    drain(api_services)
    got = fake_api.count_by_user("custom")
    assert got == {"o-wang": 1, "o-zhang": 1, "o-liu": 1}
    text = fake_api.received("custom")[0].text
    assert text.startswith("【机关党支部通知】\n周五下午3点") and text.endswith("——王建国")
    statuses = {
        (r["name"], r["status"], r["reason"]) for r in outbox_rows(api_services, "broadcast:1")
    }
    assert ("张伟", "sent", None) in statuses
    assert ("李秀英", "skipped", "unbound") in statuses

    assert run_job(api_services, "broadcast_summaries") == 1
    assert run_job(api_services, "broadcast_summaries") == 0  # once
    drain(api_services)
    summary = [m.text for m in fake_api.received("custom") if m.touser == "o-wang"][-1]
    assert summary.startswith(
        "【通知送达情况】12月2日（周三）09:00 的通知「周五下午3点在三楼会议室召开支部党员大…」（机关党支部全体 10 人）："
    )
    assert "已送达 3 人。" in summary
    assert "未发送 7 人：未绑定微信 7 人。" in summary
    assert fake_api.count_by_user("custom")["o-zhang"] == 1


def test_summary_waits_until_every_row_is_final(
    oa: WeChatPeer, api_services: Services, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    secretary = bind(oa, "o-wang", "王建国", "13800000001")
    bind(oa, "o-zhang", "张伟", "13800000003")
    secretary.say("发布通知 专卖党小组 明天上午检查台账。")  # 王建国 is not in 专卖党小组
    secretary.say("发布通知 今晚加班")
    secretary.say("确认")
    fake_api.inject(errcode=-1, touser="o-zhang")  # system busy once
    drain(api_services)
    assert run_job(api_services, "broadcast_summaries") == 0  # 张伟's row is waiting to retry
    clock.advance(minutes=1)
    drain(api_services)
    assert run_job(api_services, "broadcast_summaries") == 1
    assert fake_api.count_by_user("custom")["o-zhang"] == 1


def test_group_notice_and_cancel(oa: WeChatPeer, api_services: Services) -> None:
    secretary = bind(oa, "o-wang", "王建国", "13800000001")
    preview = secretary.say("发布通知 专卖党小组 明天上午检查台账。")
    assert preview.startswith(
        "【通知预览】将发给机关党支部 · 专卖党小组 5 人：\n明天上午检查台账。"
    )
    assert secretary.say("取消") == "已取消，这条通知没有发出。"
    assert secretary.say("确认") != "通知已发出"
    assert outbox_rows(api_services) == []


def test_members_cannot_broadcast(oa: WeChatPeer) -> None:
    zhang = bind(oa, "o-zhang", "张伟", "13800000003")
    assert (
        zhang.say("发布通知 明天放假")
        == "「发布通知」只有支部书记或管理员可以使用。如有需要，请联系支部书记。"
    )
    assert "只有支部书记或管理员" in zhang.say("定时通知 2026-12-05 09:00 明天放假")


def test_bad_notices(oa: WeChatPeer, clock: FixedClock) -> None:
    secretary = bind(oa, "o-wang", "王建国", "13800000001")
    assert secretary.say("发布通知").startswith("请在「发布通知」后面写上通知内容")
    assert secretary.say("发布通知 专卖党小组") == "通知内容是空的，请在后面写上要通知的内容。"
    assert "控制在 500 字以内" in secretary.say("发布通知 " + "很长" * 300)
    secretary.say("发布通知 下午开会")
    clock.advance(minutes=31)
    assert "已超过30分钟" in secretary.say("确认")


def test_scheduled_notice(
    oa: WeChatPeer, api_services: Services, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    secretary = bind(oa, "o-wang", "王建国", "13800000001")
    bind(oa, "o-zhang", "张伟", "13800000003")
    preview = secretary.say("定时通知 2026-12-03 09:00 明早九点在大厅集合，参加主题党日活动。")
    assert preview.startswith("【通知预览】将于 12月3日（周四）09:00 发给机关党支部全体 10 人：")
    assert (
        secretary.say("确认")
        == "已安排（编号 1）：12月3日（周四）09:00 发给 10 人。发送后会告诉你送达情况。"
        "\n要撤回，发送「撤回通知 1」。"
    )
    assert run_job(api_services, "scheduled_broadcasts") == 0
    assert outbox_rows(api_services) == []
    clock.set("2026-12-03T09:00:20+08:00")
    assert run_job(api_services, "scheduled_broadcasts") == 1
    assert run_job(api_services, "scheduled_broadcasts") == 0
    assert len(outbox_rows(api_services, "broadcast:1")) == 10
    drain(api_services)
    # 张伟 wrote yesterday morning: still inside the 48 h window
    assert fake_api.count_by_user("custom") == {"o-wang": 1, "o-zhang": 1}


def test_scheduled_notice_refuses_bad_times(oa: WeChatPeer) -> None:
    secretary = bind(oa, "o-wang", "王建国", "13800000001")
    assert secretary.say("定时通知 2026-12-01 09:00 开会").startswith(
        "12月1日（周二）09:00 已经过去了"
    )
    assert secretary.say("定时通知 2026-02-30 09:00 开会").startswith("没有 2月30日 这一天")
    assert secretary.say("定时通知 明天早上 开会").startswith("请写上具体时间（几点几分）。")
    assert secretary.say("定时通知 开会 明天").startswith("没看懂时间。")
    assert secretary.say("定时通知 2026-12-05").startswith("请写上具体时间")
    assert secretary.say("定时通知 2026-12-05 09:00").startswith("请在时间后面写上通知内容")
    assert (
        secretary.say("定时通知 2028-12-05 09:00 开会")
        == "定时通知最多只能提前一年安排，请检查日期。"
    )


def test_console_channel_delivers_to_the_simulator_inbox(
    services: Services, secretary: Member, zhangwei: Member
) -> None:
    """No platform credentials: pushes land in the simulator's inbox (bound openid or sim id)."""
    from storage import console_inbox

    secretary.say("发布通知 下午三点开会")
    secretary.say("确认")
    peer_services = secretary.peer.services  # type: ignore[attr-defined]
    stats = drain(peer_services)
    assert stats.by_status == {"sent": 10}
    assert [
        r["text"] for r in console_inbox.since(peer_services.store, "wechat", "o-zhangwei")
    ] == ["【机关党支部通知】\n下午三点开会\n——王建国"]
    liuyang = peer_services.store.scalar("SELECT id FROM members WHERE name = '刘洋'")
    assert len(console_inbox.since(peer_services.store, "wechat", f"sim-member-{liuyang}")) == 1


def test_cancel_a_scheduled_notice(
    oa: WeChatPeer, api_services: Services, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    secretary = bind(oa, "o-wang", "王建国", "13800000001")
    other_branch = bind(oa, "o-xu", "徐海", "13800000011")
    member = bind(oa, "o-zhang", "张伟", "13800000003")
    assert secretary.say("撤回通知") == "本支部没有待发送的定时通知。"
    secretary.say("定时通知 2026-12-03 09:00 明早九点在大厅集合")
    secretary.say("确认")
    assert secretary.say("撤回通知") == (
        "待发送的定时通知（发送「撤回通知 编号」撤回）：\n1. 12月3日（周四）09:00 明早九点在大厅集合"
    )
    assert "只有支部书记或管理员" in member.say("撤回通知 1")
    assert other_branch.say("撤回通知 1").startswith("本支部没有编号为 1 的通知")
    assert secretary.say("撤回通知 1") == "已撤回定时通知 1，不会再发送。"
    assert secretary.say("撤回通知 1") == "通知 1 已经撤回过了。"
    clock.set("2026-12-03T09:00:20+08:00")
    assert run_job(api_services, "scheduled_broadcasts") == 0
    assert outbox_rows(api_services) == []
    secretary.say("发布通知 现在就发")
    secretary.say("确认")
    assert (
        secretary.say("撤回通知 2") == "通知 2 已经发出，不能撤回了。如需更正，请再发一条通知说明。"
    )
