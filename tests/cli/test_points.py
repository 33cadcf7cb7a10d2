"""`dangjian points`: rankings per member, 党小组 and 支部 for a month, quarter or year."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from bot.cli import main
from bot.demo import load_demo
from storage import open_store
from storage import points as ledger
from tests import dbs


def setup_db(tmp_path: Path) -> dict[str, str]:
    store = open_store(dbs.db_for(tmp_path, "p.db"))
    load_demo(store, "2026-12-01T09:00:00+08:00")
    ledger.award(store, 3, "2026-12-01", "checkin", "2026-12-01", 1, "t")  # 张伟, 综合党小组
    ledger.award(store, 3, "2026-12-02", "quiz", "2026-12-02", 6, "t")
    ledger.award(store, 13, "2026-11-30", "checkin", "2026-11-30", 1, "t")  # 马超, last month
    ledger.award(store, 12, "2026-10-08", "meeting", "m1", 2, "t")  # 孙丽, this quarter
    store.close()
    return {"DANGJIAN_DB": dbs.db_for(tmp_path, "p.db")}


def test_member_month(tmp_path: Path) -> None:
    out = (
        CliRunner().invoke(main, ["points", "--date", "2026-12-02"], env=setup_db(tmp_path)).output
    )
    lines = out.splitlines()
    assert lines[0] == "2026-12-01 至 2026-12-31 积分（党员）"
    assert lines[2] == "1\t张伟\t7"
    assert lines[3].startswith("2\t")  # everyone else shares second place with 0


def test_branch_quarter_and_excel(tmp_path: Path) -> None:
    env = setup_db(tmp_path)
    out = (
        CliRunner()
        .invoke(
            main,
            [
                "points",
                "--level",
                "支部",
                "--period",
                "季",
                "--date",
                "2026-12-02",
                "--xlsx",
                str(tmp_path / "p.xlsx"),
            ],
            env=env,
        )
        .output
    )
    assert "2026-10-01 至 2026-12-31" in out
    assert "1\t机关党支部\t7\t10\t0.7" in out
    assert "2\t营销党支部\t3\t10\t0.3" in out
    ws = load_workbook(tmp_path / "p.xlsx").active
    assert [c.value for c in ws[2]] == ["名次", "支部", "积分", "人数", "人均"]
    assert ws.cell(3, 2).value == "机关党支部" and ws.cell(3, 3).value == 7


def test_group_year_for_one_branch(tmp_path: Path) -> None:
    out = (
        CliRunner()
        .invoke(
            main,
            [
                "points",
                "--level",
                "党小组",
                "--period",
                "年",
                "--date",
                "2026-12-02",
                "--branch",
                "营销党支部",
            ],
            env=setup_db(tmp_path),
        )
        .output
    )
    assert "1\t城区党小组\t3\t5\t0.6" in out
    assert "综合党小组" not in out


def test_bad_inputs(tmp_path: Path) -> None:
    env = setup_db(tmp_path)
    r = CliRunner().invoke(main, ["points", "--branch", "不存在"], env=env)
    assert r.exit_code != 0 and "没有名为" in r.output
    r = CliRunner().invoke(main, ["points", "--date", "12/02"], env=env)
    assert r.exit_code != 0 and "日期格式" in r.output
