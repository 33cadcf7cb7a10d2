"""Excel import / export: bad rows by number and nothing imported, the round trip, the template."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bot.config import SHIPPED_QUIZZES
from bot.quiz.bank import QuizBank, validate
from bot.quiz.excel import COLUMNS, ImportFailed, export_xlsx, import_xlsx
from tests.quiz.bankutil import DATA


def workbook(path: Path, rows: list[dict[str, str]], header: tuple[str, ...] = COLUMNS) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(header))
    for row in rows:
        ws.append([row.get(c, "") for c in header])
    wb.save(path)
    return path


GOOD = {
    "题型": "单选",
    "题干": "党小组会一般多长时间召开一次？",
    "选项A": "每月1次",
    "选项B": "每季度1次",
    "答案": "A",
    "解析": "党小组会一般每月召开一次。",
    "出处": "《中国共产党支部工作条例（试行）》第十三条",
    "标签": "三会一课、党小组",
}


def test_import_writes_a_validated_yaml_file(tmp_path: Path) -> None:
    quiz_dir = tmp_path / "quizzes"
    quiz_dir.mkdir()
    rows = [
        GOOD,
        {**GOOD, "题型": "多选题", "选项C": "每年1次", "答案": "A、C", "题干": "多选一下"},
        {"题型": "判断", "题干": "判断一下", "答案": "√", "解析": "对的", "出处": "《章程》第一条"},
        {
            "题型": "填空",
            "题干": "填（ ）",
            "答案": "8|八",
            "解析": "八项",
            "出处": "《章程》第三条",
        },
    ]
    target, count = import_xlsx(workbook(tmp_path / "机关支部题库.xlsx", rows), quiz_dir)
    assert count == 4 and target.parent == quiz_dir and target.name.startswith("imported-")
    assert validate(quiz_dir) == []
    bank = QuizBank.load(quiz_dir)
    by_stem = {q.stem: q for q in bank.questions}
    assert by_stem["多选一下"].answer == ("A", "C")
    assert by_stem["判断一下"].answer == ("对",)
    assert by_stem["填（ ）"].answer == ("8", "八")
    assert by_stem[GOOD["题干"]].tags == ("三会一课", "党小组")
    assert len({q.id for q in bank.questions}) == 4
    # Importing the same file again replaces it instead of duplicating ids.
    import_xlsx(tmp_path / "机关支部题库.xlsx", quiz_dir)
    assert validate(quiz_dir) == [] and len(list(quiz_dir.glob("*.yaml"))) == 1


def test_bad_rows_are_reported_and_nothing_is_imported(tmp_path: Path) -> None:
    quiz_dir = tmp_path / "quizzes"
    quiz_dir.mkdir()
    rows = [
        GOOD,
        {**GOOD, "答案": "E"},  # row 3
        GOOD,
        {**GOOD, "题型": "问答"},  # row 5
        {**GOOD, "出处": ""},  # row 6
        {**GOOD, "题型": "判断", "答案": "也许"},  # row 7: options on a judge, bad answer
        {**GOOD, "题型": "多选", "答案": "B"},  # row 8
    ]
    with pytest.raises(ImportFailed) as failed:
        import_xlsx(workbook(tmp_path / "bad.xlsx", rows), quiz_dir)
    text = str(failed.value)
    assert "第3行：答案 E 不在选项中" in text
    assert "第5行：题型「问答」不对" in text
    assert "第6行：出处为空" in text
    assert "第7行：判断题和填空题不填选项" in text and "第7行：判断题答案「也许」" in text
    assert "第8行：多选题的答案至少两个字母" in text
    assert "第2行" not in text and "第4行" not in text
    assert list(quiz_dir.iterdir()) == []


def test_duplicate_ids_with_the_bank_are_refused(tmp_path: Path) -> None:
    quiz_dir = tmp_path / "quizzes"
    shutil.copytree(DATA, quiz_dir)
    rows = [{**GOOD, "编号": "t-single-1"}]
    with pytest.raises(ImportFailed) as failed:
        import_xlsx(workbook(tmp_path / "dup.xlsx", rows), quiz_dir)
    assert "duplicate id 't-single-1'" in str(failed.value)
    assert sorted(p.name for p in quiz_dir.iterdir()) == ["basic.yaml", "more.yaml"]


def test_missing_columns(tmp_path: Path) -> None:
    path = workbook(tmp_path / "x.xlsx", [GOOD], header=("题型", "题干", "答案"))
    with pytest.raises(ImportFailed) as failed:
        import_xlsx(path, tmp_path)
    assert "第1行：表头缺少列" in str(failed.value)
    (tmp_path / "junk.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(ImportFailed):
        import_xlsx(tmp_path / "junk.xlsx", tmp_path)


def test_round_trip(tmp_path: Path) -> None:
    bank = QuizBank.load(DATA)
    path = tmp_path / "export.xlsx"
    assert export_xlsx(bank.questions, path) == len(bank)
    out = tmp_path / "out"
    out.mkdir()
    import_xlsx(path, out, name="roundtrip")
    again = QuizBank.load(out)
    assert validate(out) == []
    fields = ("id", "type", "stem", "options", "answer", "explanation", "source", "tags")
    assert [tuple(getattr(q, f) for f in fields) for q in again.questions] == [
        tuple(getattr(q, f) for f in fields) for q in bank.questions
    ]


def test_shipped_template_imports(tmp_path: Path) -> None:
    template = SHIPPED_QUIZZES / "template.xlsx"
    wb = load_workbook(template, read_only=True)
    header = [c.value for c in next(wb.worksheets[0].iter_rows(max_row=1))]
    assert header == list(COLUMNS) and "说明" in wb.sheetnames
    wb.close()
    target, count = import_xlsx(template, tmp_path)
    assert count == 4
    assert {q.type for q in QuizBank.load(tmp_path).questions} == {
        "single",
        "multi",
        "judge",
        "blank",
    }
    # A fresh template has the same content as the shipped one.
    fresh = tmp_path / "t.xlsx"
    export_xlsx(None, fresh)
    rows = lambda p: [  # noqa: E731
        list(r) for r in load_workbook(p, read_only=True).worksheets[0].iter_rows(values_only=True)
    ]
    assert rows(fresh) == rows(template)
