"""`dangjian stars`: drafts, confirming after the period has ended, and frozen ratings that
later ledger changes don't alter (a note says how many members' points have moved)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.channels.peer import WeChatPeer
from bot.cli import main
from bot.clock import FixedClock
from bot.periods import parse_period
from bot.points import stars
from storage import members
from storage import points as ledger
from tests.conftest import Member


@pytest.fixture
def cli(wechat: WeChatPeer, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("bot.cli.ratings.SystemClock", lambda tz: clock)
    monkeypatch.setattr("bot.cli.points.SystemClock", lambda tz: clock)
    env = {
        "DANGJIAN_DB": wechat.services.settings.db,  # type: ignore[attr-defined]
        "DANGJIAN_HOME": str(tmp_path),
    }

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env)

    return run


def give(wechat: WeChatPeer, member_id: int, amount: int, day: str) -> None:
    store = wechat.services.store  # type: ignore[attr-defined]
    ledger.award(store, member_id, day, "quiz", f"{member_id}:{day}", amount, "t")


def test_draft_confirm_and_frozen(wechat: WeChatPeer, zhangwei: Member, cli) -> None:  # type: ignore[no-untyped-def]
    give(wechat, 3, 130, "2026-09-30")  # 张伟: 2 stars (quarter: 60, 120, 180 …)
    give(wechat, 1, 130, "2026-08-01")  # 王建国: the same, a shared place
    give(wechat, 4, 60, "2026-07-01")  # 刘洋: 1 star
    give(wechat, 5, 59, "2026-07-01")  # 陈静: none
    draft = cli("stars", "--period", "2026Q3", "--branch", "机关党支部")
    assert draft.exit_code == 0, draft.output
    lines = draft.output.splitlines()
    assert lines[0] == "机关党支部 2026年第三季度 评星（草稿）"
    members_at = lines.index("党员星级：")
    assert lines[members_at + 2 : members_at + 6] == [
        "1\t王建国\t综合党小组\t130\t2",
        "1\t张伟\t综合党小组\t130\t2",
        "3\t刘洋\t综合党小组\t60\t1",
        "4\t陈静\t综合党小组\t59\t0",
    ]
    assert lines[2:5] == [
        "名次\t党小组\t人数\t积分\t人均积分\t小组评分\t满分\t总分",
        "1\t综合党小组\t5\t379\t75.8\t0\t90\t60.0",
        "2\t专卖党小组\t5\t0\t0.0\t0\t90\t0.0",
    ]
    assert lines[-1] == "注：这是草稿，2026-09-30 之后用 --confirm 确认冻结。"

    confirmed = cli("stars", "--period", "2026Q3", "--branch", "机关党支部", "--confirm")
    assert confirmed.exit_code == 0, confirmed.output
    assert confirmed.output.startswith("已确认并冻结：机关党支部2026年第三季度。")
    assert "评星（已于 2026-12-02 09:00 确认冻结）" in confirmed.output
    again = cli("stars", "--period", "2026Q3", "--branch", "机关党支部", "--confirm")
    assert again.exit_code != 0 and "已于" in again.output and "确认过了" in again.output

    # Later ledger changes don't alter the frozen rating.
    adjusted = cli(
        "points", "adjust", "13800000005", "+100", "补记志愿服务", "--date", "2026-09-20"
    )
    assert "注意：2026Q3 的评定已确认，这次调整不改变已确认的结果。" in adjusted.output
    frozen = cli("stars", "--period", "2026Q3", "--branch", "机关党支部").output.splitlines()
    assert "4\t陈静\t综合党小组\t59\t0" in frozen
    assert (
        frozen[-1]
        == "注：确认后的积分变动（调整、补记）不改变本次评定结果，其中1人的积分现在已与确认时不同。"
    )
    mine = zhangwei.say("我的积分")
    assert "星级：本季目前 0 星，本年目前 0 星；2026年第三季度 2 星（已确认）。" in mine


def test_a_period_is_confirmed_only_after_it_ends(wechat: WeChatPeer, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("stars", "--period", "2026Q4", "--confirm")
    assert result.exit_code != 0
    assert "机关党支部：2026年第四季度还没有结束（2026-12-31 之后才能确认）。" in result.output
    assert "营销党支部：" in result.output
    bad = cli("stars", "--period", "2026-13")
    assert bad.exit_code != 0 and "周期应为 2026-11、2026Q4 或 2026" in bad.output


def test_a_month_ranks_groups_only(wechat: WeChatPeer, cli) -> None:  # type: ignore[no-untyped-def]
    give(wechat, 11, 10, "2026-11-05")  # 营销党支部 · 城区党小组
    out = cli("stars", "--period", "2026-11", "--branch", "营销党支部").output
    assert "党小组月积分：" in out and "党员星级：" not in out
    assert "1\t城区党小组\t5\t10\t2.0\t0\t30\t60.0" in out


def test_confirming_freezes_what_the_draft_shows(services) -> None:  # type: ignore[no-untyped-def]
    store, rules = services.store, services.points
    ledger.award(store, 3, "2026-10-05", "quiz", "a", 200, "t")
    period = parse_period("2026Q4")
    office = int(members.branch_by_name(store, "机关党支部")["id"])  # type: ignore[index]
    before = stars.draft(store, rules, office, period, "2027-01-02")
    frozen = stars.confirm(store, rules, office, period, "2027-01-02", "t", "test")
    assert frozen.confirmed_at == "t"
    assert [(m.name, m.points, m.stars) for m in frozen.members] == [
        (m.name, m.points, m.stars) for m in before.members
    ]
    assert [(g.name, g.place) for g in frozen.groups] == [(g.name, g.place) for g in before.groups]
    ledger.award(store, 3, "2026-10-06", "quiz", "b", 100, "t")
    after = stars.rating(store, rules, office, period, "2027-01-02")
    assert after.members[0].points == 200 and after.moved == 1
