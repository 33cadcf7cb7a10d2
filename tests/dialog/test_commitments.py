"""承诺 and 践诺 in conversation: a member's commitment for the year, judged kept or not by
their 党小组长 (or the 支部书记), which earns or costs points per the rules."""

from __future__ import annotations

from bot.channels.peer import WeChatPeer
from bot.clock import FixedClock
from bot.services import Services
from storage import points as ledger
from tests.conftest import Member, bound

PROMISE = "承诺 零售户来电两小时内回复，每季度走访所有责任户"


def test_a_commitment_is_recorded_changed_and_judged_kept(
    wechat: WeChatPeer, zhangwei: Member
) -> None:
    services: Services = wechat.services  # type: ignore[attr-defined]
    assert zhangwei.say("承诺").startswith("你还没有公开2026年的承诺。发送：承诺 内容")
    assert zhangwei.say("承诺 好好干").startswith("承诺请写具体一些")
    assert zhangwei.say(PROMISE) == (
        "已记录你2026年的承诺：零售户来电两小时内回复，每季度走访所有责任户\n"
        "年底由党小组长评定是否兑现。"
    )
    assert zhangwei.say("承诺 零售户来电一小时内回复，每季度走访所有责任户").startswith(
        "已更新你2026年的承诺：零售户来电一小时内回复"
    )
    assert zhangwei.say("承诺") == (
        "你2026年的承诺：零售户来电一小时内回复，每季度走访所有责任户（未评定）"
    )
    li = bound(wechat, "o-lixiuying", "李秀英", "13800000002")
    assert li.say("践诺 13800000003 很好").startswith("请发送：践诺 手机号 已兑现（或 未兑现）")
    assert li.say("践诺 13800000003 已兑现") == (
        "已评定张伟2026年的承诺为“已兑现”，积分 +10，已通知本人。"
    )
    row = services.store.one("SELECT * FROM points WHERE kind = 'commitment_kept'")
    assert row is not None and (row["amount"], row["granted_by"], row["day"]) == (
        10,
        2,
        "2026-12-02",
    )
    told = services.store.scalar(
        "SELECT text FROM outbox WHERE job = 'commitment:1' AND member_id = 3"
    )
    assert told.startswith("【践诺评定】你2026年的承诺（零售户来电一小时内回复")
    assert zhangwei.say(PROMISE) == "你2026年的承诺已经评定过了，不能再修改。"
    assert li.say("践诺 张伟 未兑现").startswith("张伟2026年的承诺已由李秀英评定为“已兑现”。")
    assert ledger.total(services.store, 3, "2026") == 10


def test_a_broken_commitment_costs_points_and_only_leaders_judge(
    wechat: WeChatPeer, zhangwei: Member, clock: FixedClock
) -> None:
    services: Services = wechat.services  # type: ignore[attr-defined]
    liu = bound(wechat, "o-liuyang", "刘洋", "13800000004")
    liu.say("承诺 每月帮助一家零售户改进商品陈列")
    yang = bound(wechat, "o-yangfan", "杨帆", "13800000006")  # leader of another group
    assert yang.say("践诺 刘洋 未兑现").startswith("没有找到你能评定的党员“刘洋”")
    assert zhangwei.say("践诺 刘洋 未兑现").startswith(
        "「践诺」只有支部书记、管理员或党小组长可以使用"
    )
    assert services.store.scalar("SELECT COUNT(*) FROM points") == 0
    # The review in January counts in the year it reviews.
    clock.set("2027-01-08T10:00:00+08:00")
    wang = bound(wechat, "o-wangjianguo", "王建国", "13800000001")
    assert wang.say("践诺 刘洋 未兑现") == "已评定刘洋2026年的承诺为“未兑现”，积分 -5，已通知本人。"
    assert ledger.total(services.store, 4, "2026") == -5
    assert services.store.scalar("SELECT day FROM points WHERE member_id = 4") == "2026-12-31"
    assert wang.say("践诺 陈静 已兑现") == "陈静还没有公开承诺。"


def test_a_question_about_commitments_is_not_a_commitment(
    wechat: WeChatPeer, zhangwei: Member
) -> None:
    services: Services = wechat.services  # type: ignore[attr-defined]
    zhangwei.say("承诺书怎么写？")
    assert services.store.scalar("SELECT COUNT(*) FROM commitments") == 0
