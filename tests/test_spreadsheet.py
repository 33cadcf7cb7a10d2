"""Formula injection: every workbook cell and TSV field the project writes stays text when it
starts with = + - @, a tab or CR; read back with openpyxl the way Excel and WPS would open it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from bot.cli import main
from bot.quiz.stats import QuizStats, render
from bot.spreadsheet import tsv_field, tsv_line
from storage import open_store
from storage import points as ledger
from tests import dbs

EVIL_NAME = '=HYPERLINK("http://x","点我")'
HEADER = "姓名,手机号,支部,党小组,角色,类别,企业微信账号"


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "' =1"),
        ("\r=1", "' =1"),
        ("＝1+1", "'＝1+1"),
        ("张伟", "张伟"),
        ("a\tb\nc", "a b c"),
        (-5, "-5"),
        (0.5, "0.5"),
        (None, ""),
    ],
)
def test_tsv_fields(value: object, field: str) -> None:
    assert tsv_field(value) == field


def sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode("utf-8")


def test_a_formula_name_in_the_points_workbook_and_tsv_stays_text(tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    rows = [
        HEADER,
        '"=HYPERLINK(""http://x"",""点我"")",13900000001,第一党支部,,党员,员工,',
        "王一,13900000002,第一党支部,,支部书记,员工,",
    ]
    roster.write_text("\n".join(rows) + "\n", encoding="utf-8")
    env = {"DANGJIAN_DB": dbs.db_for(tmp_path, "x.db")}
    runner = CliRunner()
    imported = runner.invoke(main, ["import-members", str(roster)], env=env)
    assert imported.exit_code == 0, imported.output
    store = open_store(dbs.db_for(tmp_path, "x.db"))
    evil = int(store.scalar("SELECT id FROM members WHERE phone = '13900000001'"))
    ledger.award(store, evil, "2026-12-01", "checkin", "2026-12-01", 1, "t")
    store.close()

    xlsx = tmp_path / "points.xlsx"
    args = ["points", "--date", "2026-12-02", "--xlsx", str(xlsx)]
    result = runner.invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    # TSV on screen: the field is quoted, the number is not.
    assert "1\t'" + EVIL_NAME + "\t1" in result.output.splitlines()

    ws = load_workbook(xlsx).active
    assert ws is not None
    name = ws["B3"]
    assert name.value == EVIL_NAME  # the name itself, unchanged
    assert name.data_type == "s" and name.quotePrefix  # text, and stays text when edited
    assert ws["A3"].value == 1 and ws["A3"].data_type == "n"  # numbers stay numbers
    assert ws["C3"].value == 1 and ws["C3"].data_type == "n"
    assert "<f>" not in sheet_xml(xlsx)


QUIZ = """set: 测试
questions:
  - id: evil-1
    type: single
    stem: "=HYPERLINK(\\"http://x\\",\\"点我\\")"
    options:
      A: "+1"
      B: "-1"
      C: "@SUM(1)"
    answer: A
    explanation: "=1+1 是公式"
    source: 《中国共产党章程》第一条
    tags: ["-标签", "正常"]
"""


def test_export_quizzes_writes_stems_options_explanations_and_tags_as_text(
    tmp_path: Path,
) -> None:
    quiz_dir = tmp_path / "quizzes"
    quiz_dir.mkdir()
    (quiz_dir / "evil.yaml").write_text(QUIZ, encoding="utf-8")
    env = {"DANGJIAN_DB": dbs.db_for(tmp_path, "q.db"), "DANGJIAN_QUIZ_DIR": str(quiz_dir)}
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["export-quizzes", str(out)], env=env)
    assert result.exit_code == 0, result.output
    ws = load_workbook(out).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    row = {header[i]: cell for i, cell in enumerate(ws[2])}
    for column, value in [
        ("题干", '=HYPERLINK("http://x","点我")'),
        ("选项A", "+1"),
        ("选项B", "-1"),
        ("选项C", "@SUM(1)"),
        ("解析", "=1+1 是公式"),
        ("标签", "-标签、正常"),
    ]:
        cell = row[column]
        assert cell.value == value and cell.data_type == "s" and cell.quotePrefix, column
    assert not row["编号"].quotePrefix  # ordinary text is left alone
    assert "<f>" not in sheet_xml(out)

    # The template too goes through the same helper.
    template = tmp_path / "t.xlsx"
    result = CliRunner().invoke(main, ["export-quizzes", "--template", str(template)], env=env)
    assert result.exit_code == 0 and "<f>" not in sheet_xml(template)


def test_quiz_stats_tsv_fields_cannot_run() -> None:
    stats = QuizStats(
        start="2026-12-01",
        end="2026-12-31",
        groups=[
            {
                "branch": "=第一党支部",
                "grp": "@小组",
                "members": 3,
                "takers": 2,
                "sets": 4,
                "answered": 10,
                "right": 5,
            }
        ],
        tags=[("-标签", 10, 5)],
        missed=[("q-1", "+1 是什么", 10, 5)],
    )
    lines = render(stats).splitlines()
    assert "'=第一党支部\t'@小组\t3\t2\t4\t50%" in lines
    assert "'-标签\t10\t50%" in lines
    assert "q-1\t5/10\t'+1 是什么" in lines
    assert tsv_line(["=a", 1]) == "'=a\t1"
