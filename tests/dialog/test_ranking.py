"""排行 and 我的积分: the same places as `dangjian points` (ties share a place: 1, 2, 2, 4),
党小组 ranked by points per member (a small group is not behind for its size), and what a
member may see of others (names only from the top, no exact totals below the top 10)."""

from __future__ import annotations

import re

from click.testing import CliRunner

from bot.channels.peer import WeChatPeer
from bot.cli import main
from bot.services import Services
from bot.text import name_key
from storage import members
from storage import points as ledger
from storage.members import RosterRow
from tests.conftest import Member, bound

DAY = "2026-12-02"


def give(store: object, member_id: int, amount: int, ref: str = "r") -> None:
    ledger.award(store, member_id, DAY, "quiz", ref, amount, "t")  # type: ignore[arg-type]


def test_chat_and_cli_give_the_same_places(
    wechat: WeChatPeer, zhangwei: Member, secretary: Member
) -> None:
    services: Services = wechat.services  # type: ignore[attr-defined]
    store = services.store
    give(store, 3, 5)  # 张伟
    give(store, 4, 3)  # 刘洋
    give(store, 5, 3)  # 陈静
    board = zhangwei.say("排行")
    assert board == (
        "机关党支部12月党小组排行（人均积分）：\n"
        "1. 综合党小组 2.2 分（5人）（你所在）\n"
        "2. 专卖党小组 0.0 分（5人）\n"
        "本月前列：1. 张伟 5分；2. 刘洋 3分；2. 陈静 3分\n"
        "你本月 5 分，在机关党支部排第 1 名（共 10 人）。"
    )
    chat_places = {
        name: place
        for place, name in re.findall(r"(\d+)\. (\S+) \d+分", board.split("本月前列：")[1])
    }
    assert "你本月 0 分，在机关党支部排第 4 名（共 10 人）。" in secretary.say("排行")
    assert "本月在综合党小组排第 4 名（共 5 人）。" in secretary.say("我的积分")  # 0 points
    chen = bound(wechat, "o-chenjing", "陈静", "13800000005")
    assert "本月在综合党小组排第 2 名（共 5 人）。" in chen.say("我的积分")

    out = (
        CliRunner()
        .invoke(
            main,
            ["points", "--date", DAY, "--branch", "机关党支部"],
            env={"DANGJIAN_DB": services.settings.db},
        )
        .output
    )
    cli_places = {
        name: place for place, name, _ in (line.split("\t") for line in out.splitlines()[2:])
    }
    assert chat_places == {"张伟": "1", "刘洋": "2", "陈静": "2"}
    assert all(cli_places[name] == place for name, place in chat_places.items())
    assert sorted(int(p) for p in cli_places.values()) == [1, 2, 2, 4, 4, 4, 4, 4, 4, 4]
    groups = (
        CliRunner()
        .invoke(
            main,
            ["points", "--date", DAY, "--branch", "机关党支部", "--level", "党小组"],
            env={"DANGJIAN_DB": services.settings.db},
        )
        .output
    )
    assert groups.splitlines()[2:] == ["1\t综合党小组\t11\t5\t2.2", "2\t专卖党小组\t0\t5\t0.0"]


def test_groups_are_ranked_per_member_and_ties_share_a_place(wechat: WeChatPeer) -> None:
    services: Services = wechat.services  # type: ignore[attr-defined]
    store = services.store
    # 营销党支部: 城区党小组 5 members (11-15), 乡镇党小组 2 once three have left (16, 17).
    for gone in (18, 19, 20):
        members.set_active(store, gone, False, "t")
    for m in (16, 17):
        give(store, m, 5)  # 乡镇: 10 points, 5.0 per member
    for m in (11, 12, 13, 14):
        give(store, m, 5)  # 城区: 20 points, 4.0 per member
    xu = bound(wechat, "o-xuhai", "徐海", "13800000011")
    board = xu.say("排行")
    assert board.splitlines()[1:3] == [
        "1. 乡镇党小组 5.0 分（2人）",
        "2. 城区党小组 4.0 分（5人）（你所在）",
    ]
    give(store, 15, 5)  # 城区: 25 points, 5.0 per member: a tie
    board = xu.say("排行")
    assert board.splitlines()[1:3] == [
        "1. 城区党小组 5.0 分（5人）（你所在）",
        "1. 乡镇党小组 5.0 分（2人）",
    ]


def test_a_member_never_sees_the_bottom_by_name_nor_totals_below_the_top_ten(
    wechat: WeChatPeer,
) -> None:
    services: Services = wechat.services  # type: ignore[attr-defined]
    store = services.store
    extra = [
        RosterRow(
            "队员" + "甲乙丙"[n // 10] + "一二三四五六七八九十"[n % 10],
            f"139000000{n:02d}",
            "营销党支部",
            "城区党小组",
            "党员",
            "员工",
        )
        for n in range(30)
    ]
    members.upsert_roster(store, extra, "t", name_key=name_key)
    market = members.branch_by_name(store, "营销党支部")
    assert market is not None
    people = members.all_active(store, branch_id=int(market["id"]))  # 10 demo members + 30
    assert len(people) == 40
    for n, m in enumerate(people):
        give(store, m.id, 100 - n)  # distinct totals: the last member is the bottom
    bottom = people[-1]
    last = bound(wechat, "o-last", bottom.name, bottom.phone)
    board = last.say("排行")
    named = re.findall(r"(\d+)\. (\S+?) (\d+)分", board)
    assert [int(p) for p, _, _ in named] == list(range(1, 11))  # the top ten only
    totals = {int(t) for _, _, t in named}
    assert all(int(t) >= 91 for t in totals)  # no exact total below the top ten
    assert bottom.name not in board.split("你本月")[0]
    assert board.endswith("你本月 61 分，在营销党支部排第 40 名（共 40 人）。")

    # A small 支部 (5 active members): only its upper half is ever named.
    for gone in (6, 7, 8, 9, 10):
        members.set_active(store, gone, False, "t")
    for n, m in enumerate((1, 2, 3, 4, 5)):
        give(store, m, 10 - n, ref="small")
    zhang = bound(wechat, "o-zw2", "张伟", "13800000003")
    board = zhang.say("排行")
    assert re.findall(r"(\d+)\. (\S+?) \d+分", board) == [
        ("1", "王建国"),
        ("2", "李秀英"),
        ("3", "张伟"),
    ]
    assert "刘洋" not in board and "陈静" not in board


def test_my_points_shows_today_per_rule_against_its_cap(
    wechat: WeChatPeer, zhangwei: Member
) -> None:
    zhangwei.say("打卡")
    mine = zhangwei.say("我的积分")
    assert mine.splitlines()[:2] == [
        "张伟的积分：本月 1 分，本季 1 分，本年 1 分。",
        "今天：学习打卡 1/1，每日答题 0/5，答题全对 0/1，学习心得 0/1。",
    ]
    services: Services = wechat.services  # type: ignore[attr-defined]
    ledger.award(services.store, 3, DAY, "meeting", "9", 2, "t")  # no daily cap: shown as +2
    assert "答题全对 0/1，会议出勤 +2，学习心得 0/1。" in zhangwei.say("我的积分")
