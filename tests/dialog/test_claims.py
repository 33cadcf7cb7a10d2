"""申报 in conversation: the member claims, the 党小组长 approves (同意) or rejects (驳回 with a
reason), points only then, the member told either way; claims unanswered for 3 days go to the
支部书记 (the claim_escalation job, fixed clock)."""

from __future__ import annotations

from typing import Any

from bot.channels.peer import WeChatPeer
from bot.clock import FixedClock
from bot.jobs import schedule
from bot.jobs.runner import JobContext
from bot.services import Services
from storage import points as ledger
from tests.conftest import Member, bound

VOLUNTEER = "申报 志愿服务 周六在社区参加文明劝导2小时"


def services_of(wechat: WeChatPeer) -> Services:
    return wechat.services  # type: ignore[no-any-return, attr-defined]


def pushes(services: Services, member_id: int) -> list[dict[str, Any]]:
    return services.store.query(
        "SELECT job, kind, text FROM outbox WHERE member_id = :m ORDER BY id", {"m": member_id}
    )


def test_claim_approved_by_the_group_leader(
    wechat: WeChatPeer, zhangwei: Member, secretary: Member
) -> None:
    services = services_of(wechat)
    usage = zhangwei.say("申报")
    assert usage.startswith("申报类别：志愿服务（+3分）、先锋岗值守（+2分）、政策宣传（+2分）。")
    assert zhangwei.say("申报 打麻将 三小时").startswith("没有“打麻将”这个申报类别。")
    assert zhangwei.say("申报 志愿服务").startswith("请写明做了什么")
    assert zhangwei.say(VOLUNTEER) == (
        "已提交申报（编号 1）：志愿服务，+3分，待审核。\n已请党小组长李秀英审核，结果会通知你。"
    )
    assert ledger.total(services.store, 3) == 0  # nothing before the leader says yes
    asked = pushes(services, 2)  # 李秀英, 党小组长 of 综合党小组
    assert [(p["job"], p["kind"]) for p in asked] == [("claim:1:ask", "notice")]
    assert "张伟申报「志愿服务」（+3分）：周六在社区参加文明劝导2小时" in asked[0]["text"]
    assert "同意请回复「同意 1」，不同意请回复「驳回 1 原因」。" in asked[0]["text"]

    li = bound(wechat, "o-lixiuying", "李秀英", "13800000002")
    assert li.say("待审").startswith("待审核的申报：\n1. 张伟 12月2日 志愿服务：周六在社区")
    assert li.say("同意 1") == "已同意张伟的申报（编号 1，志愿服务），积分 +3，已通知本人。"
    row = services.store.one("SELECT * FROM points WHERE kind = 'volunteer'")
    assert row is not None
    assert (row["amount"], row["version"], row["granted_by"], row["granted_via"]) == (
        3,
        1,
        2,
        "chat",
    )
    assert row["day"] == "2026-12-02"
    told = pushes(services, 3)[-1]
    assert told["job"] == "claim:1:result"
    assert told["text"] == "【申报结果】你12月2日的申报（编号 1，志愿服务）已通过，积分 +3。"
    assert li.say("同意 1") == "编号 1 已经由李秀英同意了。"
    assert secretary.say("驳回 1 不对") == "编号 1 已经由李秀英同意了。"
    assert "3 分" in zhangwei.say("我的积分").splitlines()[0]
    assert li.say("待审") == "没有待审核的申报。"


def test_claim_rejected_with_a_reason_and_who_may_decide(
    wechat: WeChatPeer, zhangwei: Member
) -> None:
    services = services_of(wechat)
    zhangwei.say("申报 政策宣传 给城区三家零售户讲解新的许可证办理流程")
    li = bound(wechat, "o-lixiuying", "李秀英", "13800000002")
    assert li.say("驳回 1").startswith("请写明驳回的原因，例如：驳回 1 ")
    yang = bound(wechat, "o-yangfan", "杨帆", "13800000006")  # leader of another group
    assert yang.say("同意 1").startswith("没有编号 1 的需要你审核的申报")
    assert zhangwei.say("同意 1").startswith("「同意」只有支部书记、管理员或党小组长可以使用")
    assert (
        li.say("驳回 1 时间写错了，请重新申报") == "已驳回张伟的申报（编号 1），已把原因告诉本人。"
    )
    told = pushes(services, 3)[-1]
    assert told["text"] == (
        "【申报结果】你12月2日的申报（编号 1，政策宣传）未通过：时间写错了，请重新申报"
    )
    assert ledger.total(services.store, 3) == 0
    assert li.say("同意 1") == "编号 1 已经由李秀英驳回了。"
    assert li.say("同意 99").startswith("没有编号 99 的需要你审核的申报")


def test_a_leaders_own_claim_goes_to_the_secretaries(wechat: WeChatPeer) -> None:
    services = services_of(wechat)
    li = bound(wechat, "o-lixiuying", "李秀英", "13800000002")
    assert li.say("申报 先锋岗 本周在营业厅先锋岗值守三天").endswith(
        "已请支部书记王建国、吴芳审核，结果会通知你。"
    )
    assert [p["job"] for p in pushes(services, 1)] == ["claim:1:ask"]  # 王建国
    assert li.say("同意 1").startswith("没有编号 1 的需要你审核的申报")  # not her own


def test_unanswered_claims_go_to_the_secretary_after_three_days(
    wechat: WeChatPeer, zhangwei: Member, clock: FixedClock
) -> None:
    services = services_of(wechat)
    zhangwei.say(VOLUNTEER)

    def run_job() -> int:
        job = schedule.spec("claim_escalation")
        return int(job.run(JobContext(services, clock.now())))  # type: ignore[arg-type]

    clock.set("2026-12-05T08:59:00+08:00")  # 2 days 23 h 59 min
    assert run_job() == 0
    clock.set("2026-12-05T09:00:00+08:00")  # 3 days
    assert run_job() == 2  # 王建国 (支部书记) and 吴芳 (管理员)
    assert run_job() == 0  # once
    to_secretary = pushes(services, 1)
    assert [p["job"] for p in to_secretary] == ["claim:1:escalate"]
    assert to_secretary[0]["text"].startswith(
        "【积分申报 1】（党小组长3天未审核）张伟申报「志愿服务」"
    )
    wang = bound(wechat, "o-wangjianguo", "王建国", "13800000001")
    assert wang.say("待审").startswith("待审核的申报：\n1. 张伟")
    assert wang.say("同意 1") == "已同意张伟的申报（编号 1，志愿服务），积分 +3，已通知本人。"
    # Points count on the day of the claim, not of the approval.
    assert ledger.total(services.store, 3, "2026-12") == 3
    assert services.store.scalar("SELECT day FROM points WHERE kind = 'volunteer'") == "2026-12-02"


def test_the_monthly_cap_of_a_category(
    wechat: WeChatPeer, zhangwei: Member, clock: FixedClock
) -> None:
    li = bound(wechat, "o-lixiuying", "李秀英", "13800000002")
    replies = []
    for n in range(1, 6):
        clock.set(f"2026-12-{n + 1:02d}T09:00:00+08:00")
        zhangwei.say(f"申报 志愿服务 第{n}次社区文明劝导")
        replies.append(li.say(f"同意 {n}"))
    assert [r.split("，积分 ")[1] for r in replies[:4]] == ["+3，已通知本人。"] * 4
    assert replies[4] == (
        "已同意张伟的申报（编号 5，志愿服务），积分 +0（本月「志愿服务」积分已到上限），已通知本人。"
    )
    services = services_of(wechat)
    assert ledger.total(services.store, 3, "2026-12") == 12
    # At most five claims wait at once.
    for n in range(5):
        zhangwei.say(f"申报 政策宣传 第{n}次入户宣传")
    assert (
        zhangwei.say("申报 政策宣传 再一次入户宣传")
        == "你有 5 条申报还在等待审核，审核后再申报吧。"
    )
