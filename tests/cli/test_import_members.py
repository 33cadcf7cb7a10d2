"""`dangjian import-members`: CSV and Excel, updates not duplicates, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from bot.cli import main
from storage import open_store
from tests import dbs

HEADER = ["姓名", "手机号", "支部", "党小组", "角色", "类别", "企业微信账号"]
GOOD = [
    ["王一", "13900000001", "第一党支部", "第一党小组", "支部书记", "员工", "wangyi"],
    ["李二", "13900000002", "第一党支部", "第二党小组", "党员", "零售户", ""],
    ["赵三", "139 0000 0003", "第二党支部", "", "党员", "员工", ""],
]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", encoding=encoding)
    return path


def run(tmp_path: Path, *args: str, answer: str | None = None) -> tuple[int, str]:
    env = {"DANGJIAN_DB": dbs.db_for(tmp_path, "roster.db")}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False, input=answer)
    return result.exit_code, result.output


def count(tmp_path: Path, sql: str) -> int:
    return int(open_store(dbs.db_for(tmp_path, "roster.db")).scalar(sql))


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


def test_the_first_import_creates_branches_and_says_so(tmp_path: Path) -> None:
    code, out = run(tmp_path, "import-members", str(write_csv(tmp_path / "r.csv", GOOD)))
    assert code == 0
    assert "首次导入（数据库里还没有支部），直接新建以下支部和党小组" in out
    assert "支部 第一党支部（第2行起，2人）" in out and "支部 第二党支部（第4行起，1人）" in out
    assert "党小组 第一党支部·第二党小组（第3行起，1人）" in out
    code, out = run(tmp_path, "import-members", str(write_csv(tmp_path / "r.csv", GOOD)))
    assert code == 0 and "首次导入" not in out and "还没有的支部" not in out


TYPO = ["钱四", "13900000004", "第一党支布", "第一党小组", "党员", "员工", ""]


def test_a_misspelt_branch_is_a_probable_typo_and_nothing_is_imported(tmp_path: Path) -> None:
    run(tmp_path, "import-members", str(write_csv(tmp_path / "r.csv", GOOD)))
    path = str(write_csv(tmp_path / "typo.csv", [*GOOD, TYPO]))
    code, out = run(tmp_path, "import-members", path)  # no terminal to answer: no
    assert code == 1
    assert "第5行：支部“第一党支布”还没有，是不是“第一党支部”？" in out
    assert "支部 第一党支布（第5行起，1人）" in out
    assert "确认无误请加 --new-branches" in out and "未导入任何数据" in out
    assert count(tmp_path, "SELECT COUNT(*) FROM branches") == 2
    assert count(tmp_path, "SELECT COUNT(*) FROM members") == 3
    code, out = run(tmp_path, "import-members", path, answer="n\n")
    assert code == 1 and count(tmp_path, "SELECT COUNT(*) FROM branches") == 2


def test_new_branches_after_confirmation_or_with_the_flag(tmp_path: Path) -> None:
    run(tmp_path, "import-members", str(write_csv(tmp_path / "r.csv", GOOD)))
    third = ["孙五", "13900000005", "第三党支部", "", "支部书记", "员工", ""]
    code, out = run(
        tmp_path, "import-members", str(write_csv(tmp_path / "a.csv", [third])), answer="y\n"
    )
    assert code == 0 and "支部 第三党支部（第2行起，1人）" in out
    assert "第2行：" not in out  # 第三 and 第一 differ by a numeral: a real new branch
    assert count(tmp_path, "SELECT COUNT(*) FROM branches") == 3
    code, out = run(
        tmp_path, "import-members", str(write_csv(tmp_path / "b.csv", [TYPO])), "--new-branches"
    )
    assert code == 0 and "是不是“第一党支部”" in out  # still warned, but created
    assert count(tmp_path, "SELECT COUNT(*) FROM branches") == 4


def test_a_misspelt_group_is_a_probable_typo(tmp_path: Path) -> None:
    run(tmp_path, "import-members", str(write_csv(tmp_path / "r.csv", GOOD)))
    row = ["钱四", "13900000004", "第一党支部", "第一党小祖", "党员", "员工", ""]
    code, out = run(tmp_path, "import-members", str(write_csv(tmp_path / "g.csv", [*GOOD, row])))
    assert code == 1
    assert "第5行：党小组“第一党小祖”（第一党支部）还没有，是不是“第一党小组”？" in out
    traditional = ["钱四", "13900000004", "第一黨支部", "", "党员", "员工", ""]
    code, out = run(tmp_path, "import-members", str(write_csv(tmp_path / "t.csv", [traditional])))
    assert code == 1 and "第2行：支部“第一黨支部”还没有，是不是“第一党支部”？" in out


def test_typos_among_new_names_in_a_first_import_are_reported(tmp_path: Path) -> None:
    rows = [*GOOD, ["钱四", "13900000004", "第一党支布", "", "党员", "员工", ""]]
    code, out = run(tmp_path, "import-members", str(write_csv(tmp_path / "r.csv", rows)))
    assert code == 0 and "首次导入" in out
    assert "第5行：支部“第一党支布”还没有，是不是“第一党支部”？" in out


def test_unbind_by_phone(tmp_path: Path) -> None:
    run(tmp_path, "import-members", str(write_csv(tmp_path / "r.csv", GOOD)))
    store = open_store(dbs.db_for(tmp_path, "roster.db"))
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
