"""Conversation and command line agree on ranks: 排行, 我的积分 and `dangjian points` give the
same places for the same data (ties share a place: 1, 2, 2, 4)."""

from __future__ import annotations

import re

from click.testing import CliRunner

from bot.channels.peer import WeChatPeer
from bot.cli import main
from bot.services import Services
from storage import points as ledger
from tests.conftest import Member, bound


def test_chat_and_cli_give_the_same_places(
    wechat: WeChatPeer, zhangwei: Member, secretary: Member
) -> None:
    services: Services = wechat.services  # type: ignore[attr-defined]
    store = services.store
    ledger.award(store, 3, "2026-12-02", "quiz", "d1", 5, "t")  # 张伟
    ledger.award(store, 4, "2026-12-02", "quiz", "d1", 3, "t")  # 刘洋
    ledger.award(store, 5, "2026-12-02", "quiz", "d1", 3, "t")  # 陈静
    board = zhangwei.say("排行")
    assert board.startswith(
        "机关党支部本月积分排行：\n1. 张伟 5分\n2. 刘洋 3分\n2. 陈静 3分\n4. 王建国 0分\n4. 李秀英 0分"
    )
    assert board.endswith("党小组（人均）：1. 综合党小组 2.2；2. 专卖党小组 0.0")
    chat_places = {
        name: int(place) for place, name in re.findall(r"^(\d+)\. (\S+) \d+分$", board, re.M)
    }
    assert "本月在机关党支部排第 4 名（共 10 人）。" in secretary.say("我的积分")  # 0 points
    chen = bound(wechat, "o-chenjing", "陈静", "13800000005")
    assert "本月在机关党支部排第 2 名（共 10 人）。" in chen.say("我的积分")

    out = (
        CliRunner()
        .invoke(
            main,
            ["points", "--date", "2026-12-02", "--branch", "机关党支部"],
            env={"DANGJIAN_DB": services.settings.db},
        )
        .output
    )
    cli_places = {
        name: int(place) for place, name, _ in (line.split("\t") for line in out.splitlines()[2:])
    }
    assert cli_places == chat_places
    assert sorted(cli_places.values()) == [1, 2, 2, 4, 4, 4, 4, 4, 4, 4]
    groups = (
        CliRunner()
        .invoke(
            main,
            ["points", "--date", "2026-12-02", "--branch", "机关党支部", "--level", "党小组"],
            env={"DANGJIAN_DB": services.settings.db},
        )
        .output
    )
    assert groups.splitlines()[2:] == ["1\t综合党小组\t11\t5\t2.2", "2\t专卖党小组\t0\t5\t0.0"]
