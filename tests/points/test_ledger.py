"""The ledger under the rules: caps, dated versions across a change date, month / quarter /
year ends in the organization's zone, adjustments, and the per-period sums agreeing with the
rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.channels.peer import WeChatPeer
from bot.cli import main
from bot.clock import FixedClock
from bot.periods import parse_period
from bot.points import ledger, rules
from bot.services import Services
from storage import points as store_points
from tests.conftest import Member

ZHANGWEI = 3  # 张伟's member id in the demo roster
VERSIONED = """
rules:
  - key: checkin
    name: 学习打卡
    action: checkin
    versions:
      - {version: 1, from: 2024-01-01, points: 1, daily_cap: 1}
      - {version: 2, from: 2027-01-01, points: 2, daily_cap: 2}
"""


def at(day: str) -> str:
    return f"{day}T01:00:00+00:00"


def test_daily_and_monthly_caps(services: Services) -> None:
    store, shipped = services.store, services.points
    first = ledger.earn(store, shipped, ZHANGWEI, "checkin", "a", "2026-12-02", at("2026-12-02"))
    again = ledger.earn(store, shipped, ZHANGWEI, "checkin", "b", "2026-12-02", at("2026-12-02"))
    assert [(c.amount, c.capped) for c in first] == [(1, False)]
    assert [(c.amount, c.capped) for c in again] == [(0, True)]  # daily cap 1
    quiz = ledger.earn(
        store, shipped, ZHANGWEI, "quiz_right", "q", "2026-12-02", at("2026-12-02"), count=7
    )
    assert [(c.wanted, c.amount, c.capped) for c in quiz] == [(7, 5, True)]  # daily cap 5
    # 学习心得: 1 a day, at most 8 a month.
    got = [
        ledger.total(ledger.earn(store, shipped, ZHANGWEI, "reflection", d, d, at(d)))
        for d in (f"2026-11-{n:02d}" for n in range(1, 11))
    ]
    assert got == [1] * 8 + [0, 0]
    assert store_points.sums(store, ZHANGWEI, ["2026-11"]) == {"2026-11": {"reflection": 8}}
    # The same ref is credited once.
    assert (
        ledger.earn(store, shipped, ZHANGWEI, "quiz_right", "q", "2026-12-02", "x")[0].new is False
    )


def test_points_keep_the_version_they_were_earned_under(services: Services) -> None:
    store = services.store
    versioned, errors = rules.parse("site/points.yaml", VERSIONED)
    assert errors == []
    for day in ("2026-12-31", "2027-01-01"):
        ledger.earn(store, versioned, ZHANGWEI, "checkin", day, day, at(day))
    rows = [
        (r["day"], r["rule"], r["version"], r["amount"])
        for r in store_points.rows_of(store, ZHANGWEI, "2026-12-01", "2027-01-31")
    ]
    assert rows == [("2026-12-31", "checkin", 1, 1), ("2027-01-01", "checkin", 2, 2)]
    # Back to the shipped rules (version 1 only): the rows earned under version 2 stay as they are.
    ledger.earn(store, services.points, ZHANGWEI, "checkin", "2027-01-02", "2027-01-02", "t")
    assert [
        (r["version"], r["amount"])
        for r in store_points.rows_of(store, ZHANGWEI, "2027-01-01", "2027-01-31")
    ] == [(2, 2), (1, 1)]
    # Before a rule's first version nothing is earned.
    assert ledger.earn(store, versioned, ZHANGWEI, "checkin", "old", "2023-05-01", "t") == []


def test_month_quarter_and_year_end_in_the_organizations_zone(
    wechat: WeChatPeer, zhangwei: Member, clock: FixedClock
) -> None:
    """23:30 on 31 December in Shanghai is 15:30 UTC the same day; 00:10 on 1 January is still
    31 December in UTC, but counts in the new month, quarter and year."""
    store = wechat.services.store  # type: ignore[attr-defined]
    clock.set("2026-12-31T23:30:00+08:00")
    assert "积分 +1" in zhangwei.say("打卡")
    clock.set("2027-01-01T00:10:00+08:00")
    assert "积分 +1" in zhangwei.say("打卡")
    days = [r["day"] for r in store_points.rows_of(store, ZHANGWEI, "2026-01-01", "2027-12-31")]
    assert days == ["2026-12-31", "2027-01-01"]
    sums = store_points.sums(
        store, ZHANGWEI, ["2026-12", "2026Q4", "2026", "2027-01", "2027Q1", "2027"]
    )
    assert {p: s["checkin"] for p, s in sums.items()} == {
        "2026-12": 1,
        "2026Q4": 1,
        "2026": 1,
        "2027-01": 1,
        "2027Q1": 1,
        "2027": 1,
    }


def test_adjustments_are_rows_of_their_own(services: Services) -> None:
    store = services.store
    ledger.earn(store, services.points, ZHANGWEI, "checkin", "d", "2026-12-02", at("2026-12-02"))
    before = store_points.rows_of(store, ZHANGWEI, "2026-12-01", "2026-12-31")
    ledger.adjust(store, ZHANGWEI, -3, "重复申报", "2026-12-03", at("2026-12-03"), 1, "chat")
    after = store_points.rows_of(store, ZHANGWEI, "2026-12-01", "2026-12-31")
    assert after[: len(before)] == before  # history unchanged
    assert [(r["rule"], r["amount"], r["reason"]) for r in after[len(before) :]] == [
        ("adjust", -3, "重复申报")
    ]
    assert store_points.total(store, ZHANGWEI, "2026-12") == -2
    listed = store_points.adjustments(store, "2026-12-01", "2026-12-31")
    assert [(r["name"], r["amount"], r["granted_by"]) for r in listed] == [("张伟", -3, "王建国")]
    with pytest.raises(ValueError):
        ledger.adjust(store, ZHANGWEI, 0, "没有变化", "2026-12-03", "t")
    with pytest.raises(ValueError):
        ledger.adjust(store, ZHANGWEI, 2, "  ", "2026-12-03", "t")


def test_points_adjust_on_the_command_line(services: Services, tmp_path: Path) -> None:
    env = {"DANGJIAN_DB": services.settings.db, "DANGJIAN_HOME": str(tmp_path)}
    run = CliRunner()
    out = run.invoke(
        main,
        ["points", "adjust", "13800000003", "-2", "重复", "申报", "--date", "2026-12-02"],
        env=env,
    )
    assert out.exit_code == 0, out.output
    assert "已为 张伟 调整 -2 分（原因：重复 申报），记在 2026-12-02。" in out.output
    out = run.invoke(
        main,
        [
            "points",
            "adjust",
            "13800000003",
            "+5",
            "补记志愿服务",
            "--date",
            "2026-12-03",
            "--by",
            "13800000001",
        ],
        env=env,
    )
    assert out.exit_code == 0, out.output
    listed = run.invoke(
        main, ["points", "adjustments", "--period", "2026-12"], env=env
    ).output.splitlines()
    assert listed[0] == "2026年12月 积分调整 2 条"
    assert listed[2].split("\t")[:6] == ["2026-12-02", "机关党支部", "张伟", "-2", "重复 申报", ""]
    assert listed[3].split("\t")[:6] == [
        "2026-12-03",
        "机关党支部",
        "张伟",
        "5",
        "补记志愿服务",
        "王建国",
    ]
    assert listed[3].split("\t")[6].startswith("cli:")
    for bad, message in (
        (["13800000003", "0", "无"], "不为 0 的分数和原因"),
        (["13800000003", "两分", "无"], "分数应为整数"),
        (["13999999999", "1", "无"], "没有手机号为 13999999999 的党员"),
        (["13800000003", "1", "无", "--by", "13800000003"], "不是支部书记或管理员"),
    ):
        result = run.invoke(main, ["points", "adjust", *bad], env=env)
        assert result.exit_code != 0 and message in result.output, result.output
    assert store_points.total(services.store, ZHANGWEI, "2026-12") == 3
    # The ranking on the command line takes a period key as well as 月/季/年.
    board = run.invoke(main, ["points", "--period", "2026Q4", "--branch", "机关党支部"], env=env)
    assert board.output.splitlines()[:3] == [
        "2026-10-01 至 2026-12-31 积分（党员）",
        "名次\t党员\t积分",
        "1\t张伟\t3",
    ]


def test_the_sums_agree_with_the_ledger_and_can_be_rebuilt(
    services: Services, tmp_path: Path
) -> None:
    store = services.store
    for member in (3, 4, 5):
        for day in ("2026-09-30", "2026-10-01", "2026-12-31"):
            ledger.earn(store, services.points, member, "checkin", day, day, at(day))
    ledger.adjust(store, 4, 7, "补记", "2026-10-15", "t")
    assert store_points.sums_differ(store) == 0
    for period in ("2026-09", "2026Q3", "2026-10", "2026Q4", "2026"):
        by_sums = {
            int(r["id"]): int(r["points"]) for r in store_points.member_totals(store, period)
        }
        span = parse_period(period)
        by_rows = {
            m: sum(
                int(r["amount"])
                for r in store_points.rows_of(store, m, "2026-01-01", "2026-12-31")
                if span.contains(r["day"])
            )
            for m in (3, 4, 5)
        }
        assert {m: by_sums[m] for m in (3, 4, 5)} == by_rows, period
    # A bulk load that bypasses `add` leaves the sums behind until they are rebuilt.
    store.execute(
        "INSERT INTO points (member_id, day, kind, ref, amount, note, at)"
        " VALUES (3, '2026-11-11', 'quiz', 'bulk', 4, '', 't')"
    )
    assert store_points.sums_differ(store) == 1
    result = CliRunner().invoke(
        main,
        ["points", "rebuild"],
        env={"DANGJIAN_DB": services.settings.db, "DANGJIAN_HOME": str(tmp_path)},
    )
    assert result.exit_code == 0 and "之前不一致的年度汇总 1 条" in result.output
    assert store_points.sums_differ(store) == 0
    assert store_points.total(store, 3, "2026-11") == 4


def test_points_rules_lists_the_rules_in_force(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["points", "rules", "--date", "2026-12-02"], env={"DANGJIAN_HOME": str(tmp_path)}
    )
    assert result.exit_code == 0, result.output
    assert (
        "学习打卡（checkin，学习打卡）：+1 分，每天最多 1 分（第 1 版，2024-01-01 起）"
        in result.output
    )
