"""小组评分 in conversation: the secretary scores a 党小组's month on the group items."""

from __future__ import annotations

from bot.channels.peer import WeChatPeer
from tests.conftest import Member


def test_the_secretary_scores_groups(
    wechat: WeChatPeer, secretary: Member, zhangwei: Member
) -> None:
    assert secretary.say("小组评分 综合党小组 落实决议 8 特色活动 9 工作业绩 7") == (
        "已记录综合党小组12月评分：落实决议 8/10，特色活动 9/10，工作业绩 7/10（合计 24/30）。"
    )
    assert secretary.say("小组评分 上月 专卖 决议10") == (
        "已记录专卖党小组11月评分：落实决议 10/10（合计 10/30；还没评：特色活动、工作业绩）。"
    )
    assert secretary.say("小组评分 综合党小组 特色活动 12").startswith(
        "特色活动的分数应为 0 到 10 的整数（收到 12）。"
    )
    assert secretary.say("小组评分 综合党小组 唱歌 5").startswith("没有“唱歌”这个评分项目。")
    assert secretary.say("小组评分 城区党小组 决议 5").startswith(
        "机关党支部没有“城区党小组”这个党小组（有：综合党小组、专卖党小组）。"
    )
    assert secretary.say("小组评分 2027-01 综合党小组 决议 5") == "还没到这个月，不能评分。"
    assert secretary.say("小组评分 综合党小组 工作业绩 9").startswith(
        "已记录综合党小组12月评分：落实决议 8/10，特色活动 9/10，工作业绩 9/10（合计 26/30）"
    )
    standings = secretary.say("小组评分")
    assert standings.splitlines()[:3] == [
        "机关党支部12月党小组结果（人均积分60%＋小组评分40%）：",
        "1. 综合党小组 34.7（人均 0.0 分，评分 26/30）",
        "2. 专卖党小组 0.0（人均 0.0 分，评分 0/30）",
    ]
    assert zhangwei.say("小组评分 综合党小组 决议 10").startswith(
        "「小组评分」只有支部书记或管理员"
    )
