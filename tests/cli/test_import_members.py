"""`dangjian import-members`: CSV and Excel, updates not duplicates, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from bot.cli import main
from storage import open_store

HEADER = ["姓名", "手机号", "支部", "党小组", "角色", "类别", "企业微信账号"]
GOOD = [
    ["王一", "13900000001", "第一党支部", "第一党小组", "支部书记", "员工", "wangyi"],
    ["李二", "13900000002", "第一党支部", "第二党小组", "党员", "零售户", ""],
    ["赵三", "139 0000 0003", "第二党支部", "", "党员", "员工", ""],
]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", encoding=encoding)
    return path


def run(tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {"DANGJIAN_DB": str(tmp_path / "roster.db")}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def count(tmp_path: Path, sql: str) -> int:
    return int(open_store(tmp_path / "roster.db").scalar(sql))


def test_import_csv_then_reimport_updates(tmp_path: Path) -> None:
    code, out = run(tmp_path, "import-members", str(write_csv(tmp_path / "r.csv", GOOD)))
    assert code == 0 and "新增 added 3" in out
    changed = [
        GOOD[0],
        ["李二", "13900000002", "第一党支部", "第一党小组", "党小组长", "零售户", ""],
        GOOD[2],
    ]
    code, out = run(tmp_path, "import-members", str(write_csv(tmp_path / "r2.csv", changed)))
    assert code == 0 and "新增 added 0" in out and "更新 updated 3" in out
    assert count(tmp_path, "SELECT COUNT(*) FROM members") == 3
    assert count(tmp_path, "SELECT COUNT(*) FROM members WHERE role = '党小组长'") == 1
    assert count(tmp_path, "SELECT COUNT(*) FROM branches") == 2


def test_gbk_csv_from_excel_is_read(tmp_path: Path) -> None:
    code, out = run(
        tmp_path, "import-members", str(write_csv(tmp_path / "gbk.csv", GOOD, "gb18030"))
    )
    assert code == 0, out


def test_xlsx_with_numeric_phones(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["王一", 13900000001, "第一党支部", "第一党小组", "党员", "员工", None])
    wb.save(tmp_path / "r.xlsx")
    code, out = run(tmp_path, "import-members", str(tmp_path / "r.xlsx"))
    assert code == 0 and "新增 added 1" in out


@pytest.mark.parametrize(
    "bad, message",
    [
        (["钱四", "12345", "第一党支部", "", "党员", "员工", ""], "手机号"),
        (["钱四", "13900000009", "第一党支部", "", "书记", "员工", ""], "角色"),
        (["钱四", "13900000009", "第一党支部", "", "党员", "农民", ""], "类别"),
        (["", "13900000009", "第一党支部", "", "党员", "员工", ""], "姓名为空"),
        (["钱四", "13900000001", "第一党支部", "", "党员", "员工", ""], "与第2行重复"),
        (["钱四", "13900000009", "", "", "党员", "员工", ""], "支部为空"),
    ],
)
def test_bad_row_is_reported_and_nothing_is_written(
    tmp_path: Path, bad: list[str], message: str
) -> None:
    path = write_csv(tmp_path / "bad.csv", [*GOOD, bad])
    code, out = run(tmp_path, "import-members", str(path))
    assert code != 0
    assert "第5行" in out and message in out
    assert "nothing imported" in out
    assert (
        not (tmp_path / "roster.db").exists()
        or count(tmp_path, "SELECT COUNT(*) FROM members") == 0
    )


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "cols.csv"
    path.write_text("姓名,电话\n王一,13900000001\n", encoding="utf-8")
    code, out = run(tmp_path, "import-members", str(path))
    assert code != 0 and "缺少列" in out and "手机号" in out


def test_unbind_by_phone(tmp_path: Path) -> None:
    run(tmp_path, "import-members", str(write_csv(tmp_path / "r.csv", GOOD)))
    store = open_store(tmp_path / "roster.db")
    store.execute("INSERT INTO bindings VALUES ('wechat', 'o-x', 1, '2026-12-02T09:00:00+08:00')")
    code, out = run(tmp_path, "unbind", "13900000001")
    assert code == 0 and "已解绑 1" in out
    code, out = run(tmp_path, "unbind", "13000000000")
    assert code != 0


def test_every_command_has_chinese_and_english_help() -> None:
    runner = CliRunner()
    for name in main.commands:
        text = runner.invoke(main, [name, "--help"]).output
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), name
        assert any(word in text for word in (" the ", " a ", " and ", "Show")), name
