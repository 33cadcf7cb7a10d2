"""The question bank: loading, and validation with file and line numbers."""

from __future__ import annotations

from pathlib import Path

from bot.config import SHIPPED_QUIZZES
from bot.quiz.bank import QuizBank, validate
from tests.quiz.bankutil import DATA

BAD = """\
set: 坏题
questions:
  - id: bad-1
    type: single
    stem: 选哪个？
    options:
      A: 甲
      B: 乙
    answer: C
    explanation: 解析
    source: 《某文件》第一条
  - id: bad-2
    type: multi
    stem: 多选？
    options: {A: 甲, B: 乙, C: 丙}
    answer: A
    explanation: 解析
    source: 《某文件》第一条
  - id: bad-3
    type: judge
    stem: 这句话对吗
    answer: 是的
    explanation: 解析
    source: 《某文件》第一条
  - id: bad-4
    type: blank
    stem: 填空（ ）
    answer: []
    explanation: 解析
    source: 《某文件》第一条
  - id: bad-5
    type: single
    stem: 没有出处和解析
    options: {A: 甲, B: 乙}
    answer: A
  - id: t-single-1
    type: essay
    stem: 重复编号
  - id: bad-7
    type: judge
    stem: 判断题不该有选项
    options: {A: 对, B: 错}
    answer: 对
    explanaton: 拼错的字段
    source: 《某文件》第一条
"""


def test_fixture_bank_loads() -> None:
    bank = QuizBank.load(DATA)
    assert len(bank) == 12
    q = bank.get("t-multi-1")
    assert q is not None and q.answer == ("A", "B", "C") and q.type_name == "多选题"
    assert q.path.endswith("basic.yaml") and q.line == 16
    assert bank.get("t-blank-1").answer == ("8", "八", "八项")  # type: ignore[union-attr]
    assert not bank.get("t-single-3").shuffleable  # type: ignore[union-attr]  # "以上都是"
    assert validate(DATA) == []


def test_shipped_bank_is_valid() -> None:
    """What `dangjian check-content` runs over quizzes/*.yaml."""
    errors = validate(SHIPPED_QUIZZES)
    assert errors == [], "\n".join(str(e) for e in errors)
    bank = QuizBank.load(SHIPPED_QUIZZES)
    assert len(bank) >= 200
    assert {q.type for q in bank.questions} == {"single", "multi", "judge", "blank"}
    assert all(q.source and q.explanation for q in bank.questions)


def test_errors_name_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text((DATA / "basic.yaml").read_text("utf-8"), "utf-8")
    bad = tmp_path / "b.yaml"
    bad.write_text(BAD, "utf-8")
    errors = validate(tmp_path)
    found = {(Path(e.path).name, e.line, str(e).split(": ", 1)[1]) for e in errors}
    expected_lines = {
        9: "answer C is not among the options",
        16: "a multi-choice answer needs at least two letters",
        22: "a judge answer is 对 or 错",
        28: "a blank answer is a non-empty list",
        31: "missing `explanation`",  # a missing field: the question's first line
        37: "`type` must be one of",
        42: "a judge question has no `options`",
        44: "unknown field 'explanaton'",
    }
    for line, text in expected_lines.items():
        assert any(f == "b.yaml" and ln == line and text in msg for f, ln, msg in found), (
            line,
            text,
            sorted(found, key=lambda x: x[1] or 0),
        )
    assert any("missing `source`" in msg and ln == 31 for _, ln, msg in found)
    assert all(e.path.endswith("b.yaml") for e in errors)
    # Loading keeps the good questions of the good file and leaves the broken ones out.
    bank = QuizBank.load(tmp_path)
    assert len(bank) == 5 and not any(q.id.startswith("bad-") for q in bank.questions)


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    text = (DATA / "basic.yaml").read_text("utf-8")
    (tmp_path / "a.yaml").write_text(text, "utf-8")
    (tmp_path / "b.yaml").write_text(text, "utf-8")
    errors = validate(tmp_path)
    assert len(errors) == 5
    assert all(e.path.endswith("b.yaml") and "duplicate id" in str(e) for e in errors)
    assert "a.yaml:3" in str(errors[0]) and errors[0].line == 3


def test_broken_yaml_reports_its_line(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("set: x\nquestions:\n  - id: [unclosed\n", "utf-8")
    (tmp_path / "y.yaml").write_text("- just a list\n", "utf-8")
    errors = sorted(validate(tmp_path), key=lambda e: e.path)
    assert len(errors) == 2
    assert "bad YAML" in str(errors[0]) and errors[0].line is not None
    assert "must be a mapping" in str(errors[1])
    assert len(QuizBank.load(tmp_path)) == 0


def test_missing_dir_is_an_empty_bank(tmp_path: Path) -> None:
    assert len(QuizBank.load(tmp_path / "nope")) == 0
    assert validate(tmp_path / "nope") == []
