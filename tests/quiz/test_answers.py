"""The answer parser: every listed form, and properties over arbitrary spacing, case and width."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.quiz.answers import blank_correct, normalize_blank, parse, parse_judge, parse_letters


@pytest.mark.parametrize(
    ("text", "letters"),
    [
        ("A", "A"),
        ("a", "A"),
        ("Ａ", "A"),
        ("ａ", "A"),
        ("选A", "A"),
        ("答案是B", "B"),
        ("答案：b", "B"),
        ("我选C", "C"),
        ("选项D", "D"),
        ("A。", "A"),
        ("AC", "AC"),
        ("A,C", "AC"),
        ("A，C", "AC"),
        ("A、C", "AC"),
        ("a c", "AC"),
        ("CA", "AC"),
        ("ＡＣ", "AC"),
        ("a/c/d", "ACD"),
        ("答案是 A、C、D", "ACD"),
    ],
)
def test_letter_forms(text: str, letters: str) -> None:
    assert parse_letters(text, "ABCD") == letters


@pytest.mark.parametrize(
    "text", ["", " ", "E", "嗯", "好的", "对", "选", "答案是", "A1", "ABCDEFG", "今天天气好"]
)
def test_not_letters(text: str) -> None:
    assert parse_letters(text, "ABCD") is None


def test_single_takes_one_letter() -> None:
    assert parse("single", "B", "ABCD") == "B"
    assert parse("single", "AB", "ABCD") is None
    assert parse("multi", "BA", "ABCD") == "AB"
    assert parse("multi", "E", "ABCD") is None
    assert parse("essay", "A") is None


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        *[(t, "对") for t in ["对", "√", "✓", "正确", "是", "T", "t", "对的", "对。", "答案是对"]],
        *[(t, "错") for t in ["错", "×", "✗", "错误", "否", "F", "f", "错的", "不对", "Ｆ"]],
    ],
)
def test_judge_forms(text: str, verdict: str) -> None:
    assert parse_judge(text) == verdict
    assert parse("judge", text) == verdict


@pytest.mark.parametrize("text", ["", "A", "也许", "对错", "对不对"])
def test_not_judge(text: str) -> None:
    assert parse_judge(text) is None


def test_blank_normalization() -> None:
    assert normalize_blank(" 议事 决策！") == "议事决策"
    assert normalize_blank("《烟草制品》") == "烟草制品"
    assert normalize_blank("１２３１３") == "12313"
    assert normalize_blank("黨旗") == "党旗"  # traditional characters
    assert blank_correct("八 项", ["8", "八", "八项"])
    assert blank_correct("８", ["8", "八"])
    assert not blank_correct("九", ["8", "八"])
    assert not blank_correct("8", ["八"])  # numerals count only as the bank lists them
    assert not blank_correct("。。。", ["八"])
    assert parse("blank", "  ") is None
    assert parse("blank", "Ａ") is None  # an option letter typed at a blank is a slip
    assert parse("blank", "党旗") == "党旗"


# -- properties -----------------------------------------------------------------------------

WIDE = {c: chr(ord(c) + 0xFEE0) for c in "ABCDEFabcdef"}
SEPARATORS = ["", " ", "  ", ",", "，", "、", ", ", " 、 ", "/", ";"]


@st.composite
def typed_answer(draw: st.DrawFn) -> tuple[str, str]:
    """(what a member might type, the letters it means)."""
    letters = draw(st.lists(st.sampled_from("ABCDEF"), min_size=1, max_size=6, unique=True))
    parts = []
    for letter in letters:
        ch = letter.lower() if draw(st.booleans()) else letter
        if draw(st.booleans()):
            ch = WIDE[ch]
        parts.append(ch)
    sep = draw(st.sampled_from(SEPARATORS))
    text = sep.join(parts)
    prefix = draw(st.sampled_from(["", "选", "答案是", "我选", "答案：", "选项"]))
    lead = draw(st.sampled_from(["", " ", "\u3000", "\t"]))
    trail = draw(st.sampled_from(["", " ", "。", "！", "\u3000"]))
    return lead + prefix + text + trail, "".join(sorted(letters))


@settings(max_examples=400, deadline=None)
@given(typed_answer())
def test_any_spacing_case_width_and_separator(case: tuple[str, str]) -> None:
    text, letters = case
    assert parse_letters(text) == letters


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_never_raises(text: str) -> None:
    for qtype in ("single", "multi", "judge", "blank", "other"):
        result = parse(qtype, text)
        assert result is None or isinstance(result, str)
    normalize_blank(text)
    blank_correct(text, [text, "八"])
