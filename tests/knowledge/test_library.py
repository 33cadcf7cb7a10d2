"""The policy library: content validity and what the matcher finds."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.config import SHIPPED_CONTENT
from bot.knowledge import Library, validate
from bot.knowledge.entries import REQUIRED_IDS, parse_entry, read_synonyms

CONTENT = SHIPPED_CONTENT
DATA = Path(__file__).parent / "data"
OFF_TOPIC_EXAMPLES = ("今天天气怎么样", "帮我点个外卖", "明天会下雨吗", "推荐一部电影")


@pytest.fixture(scope="module")
def library() -> Library:
    return Library.load(CONTENT)


def test_content_validates() -> None:
    assert [str(e) for e in validate(CONTENT)] == []


def test_every_required_id_exists_in_its_category(library: Library) -> None:
    for category, ids in REQUIRED_IDS.items():
        for entry_id in ids:
            entry = library.get(entry_id)
            assert entry is not None, entry_id
            assert entry.category == category
            assert len(entry.questions) >= 4 and entry.body and entry.source


def test_each_entry_finds_itself_first_from_its_own_questions(library: Library) -> None:
    misses = []
    for entry in library.entries:
        for question in (entry.title, *entry.questions):
            hits = library.rank(question, 1)
            if not hits or hits[0].entry.id != entry.id:
                misses.append((question, entry.id, hits[0].entry.id if hits else None))
    assert misses == []


def test_each_own_question_is_answered_not_only_suggested(library: Library) -> None:
    unanswered = [
        (q, e.id)
        for e in library.entries
        for q in e.questions
        if (r := library.search(q)).answer is None or r.answer.entry.id != e.id
    ]
    assert len(unanswered) <= len(library.entries) // 10, unanswered


@pytest.mark.parametrize("text", OFF_TOPIC_EXAMPLES)
def test_small_talk_gets_no_answer_and_no_suggestion(library: Library, text: str) -> None:
    result = library.search(text)
    assert result.answer is None
    assert result.suggestions == []


def test_off_topic_questions_are_mostly_rejected(library: Library) -> None:
    questions = [q.strip() for q in (DATA / "offtopic.txt").read_text("utf-8").splitlines()]
    answered = [q for q in questions if q and library.search(q).answer is not None]
    assert len(answered) <= len(questions) // 10, answered


def test_question_about_a_command_maps_to_its_help(library: Library) -> None:
    result = library.search("怎么打卡")
    assert result.answer is not None and result.answer.entry.id == "help-checkin"


def test_traditional_and_full_width_input(library: Library) -> None:
    plain = library.search("烟草专卖零售许可证到期怎么办")
    traditional = library.search("煙草專賣零售許可證到期怎麼辦")
    full_width = library.search("１２３１３能投诉什么")
    assert plain.answer is not None and plain.answer.entry.id == "license-renewal"
    assert traditional.answer is not None and traditional.answer.entry.id == "license-renewal"
    assert traditional.answer.score == plain.answer.score
    assert full_width.answer is not None and full_width.answer.entry.id == "hotline"
    upper = library.search("月工资４０００元交多少党费")
    assert upper.answer is not None and upper.answer.entry.id == "party-dues"


def test_colloquial_synonyms(library: Library) -> None:
    result = library.search("烟证快过期了怎么延期")
    assert result.answer is not None and result.answer.entry.id == "license-renewal"


def test_heldout_questions(library: Library) -> None:
    """Questions written apart from the entries: most answered right, almost all in top 3."""
    rows = [
        line.split("\t")
        for line in (DATA / "heldout.tsv").read_text("utf-8").splitlines()[1:]
        if line.strip()
    ]
    inside = [(q, e) for q, e in rows if e != "-"]
    top1 = sum(1 for q, e in inside if (r := library.search(q)).answer and r.answer.entry.id == e)
    top3 = 0
    for q, e in inside:
        r = library.search(q)
        shown = ([r.answer] if r.answer else []) + r.suggestions
        top3 += e in [h.entry.id for h in shown[:3]]
    assert top1 / len(inside) >= 0.75
    assert top3 / len(inside) >= 0.9


def test_suggestions_below_the_threshold_are_at_most_three(library: Library) -> None:
    for text in ("证件的事情", "党员的事", "积分"):
        result = library.search(text)
        assert len(result.suggestions) <= 3
        if result.answer is not None:
            assert result.answer.entry.id not in [h.entry.id for h in result.suggestions]


def test_garbage_input_never_raises(library: Library) -> None:
    for text in ("", " ", "!!!", "\x00\x01", "a" * 10000, "😀😀", "]]>", "回复", "1"):
        result = library.search(text)
        assert len(result.suggestions) <= 3


def test_load_is_cached_while_files_are_unchanged(library: Library) -> None:
    assert Library.load(CONTENT) is library


# -- validation ---------------------------------------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """---
id: demo-entry
title: 演示条目
category: 党务
questions: ["一", "二", "三", "四"]
keywords: [演示]
source: 演示文件第一条
updated: 2026-12-02
---
演示答复。
"""


def test_validate_reports_entry_problems(tmp_path: Path) -> None:
    _write(tmp_path / "policies" / "ok.md", GOOD)
    _write(
        tmp_path / "policies" / "bad.md",
        GOOD.replace("category: 党务", "category: 其他")
        .replace('["一", "二", "三", "四"]', '["一"]')
        .replace("演示答复。", "长" * 600),
    )
    _write(tmp_path / "policies" / "dup.md", GOOD)
    _write(tmp_path / "policies" / "nofm.md", "没有 front matter")
    messages = [str(e) for e in validate(tmp_path)]
    text = "\n".join(messages)
    assert "category '其他'" in text
    assert "at least 4 questions" in text
    assert "600 characters" in text
    assert "also used by" in text
    assert "missing YAML front matter" in text
    assert "required entry 'license-renewal'" in text
    assert any("bad.md:4" in m for m in messages)  # the line of `category:`


def test_parse_entry_reads_dates_and_lists(tmp_path: Path) -> None:
    entry, errors = parse_entry(_write(tmp_path / "ok.md", GOOD))
    assert errors == [] and entry is not None
    assert entry.updated == "2026-12-02" and entry.questions == ("一", "二", "三", "四")


def test_validate_reports_dictionary_problems(tmp_path: Path) -> None:
    _write(tmp_path / "policies" / "ok.md", GOOD)
    _write(tmp_path / "dict" / "userdict.txt", "三会一课 20000 n\n主题党日 many n\n三会一课 5\n")
    _write(
        tmp_path / "dict" / "synonyms.tsv",
        "variant\tcanonical\n烟证\t许可证\n烟证\t营业执照\n只有一列\n续\t续\n",
    )
    text = "\n".join(str(e) for e in validate(tmp_path))
    assert "userdict.txt:2: frequency 'many'" in text
    assert "userdict.txt:3: '三会一课' is already on line 1" in text
    assert "synonyms.tsv:3: '烟证' maps to both '许可证' (line 2) and '营业执照'" in text
    assert "synonyms.tsv:4: expected two columns" in text
    assert "synonyms.tsv:5: '续' maps to itself" in text


def test_synonym_chains_resolve_and_cycles_are_errors(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.tsv", "variant\tcanonical\n烟证\t烟草证\n烟草证\t许可证\n")
    mapping, errors = read_synonyms(path)
    assert errors == [] and mapping == {"烟证": "许可证", "烟草证": "许可证"}
    path = _write(tmp_path / "c.tsv", "variant\tcanonical\n甲\t乙\n乙\t甲\n")
    assert any("cycle" in str(e) for e in read_synonyms(path)[1])


def test_a_small_library_from_fixture_entries(tmp_path: Path) -> None:
    _write(tmp_path / "policies" / "a.md", GOOD)
    other = GOOD.replace("demo-entry", "other").replace("演示条目", "党费怎么交")
    other = other.replace(
        '["一", "二", "三", "四"]', '["党费交多少", "党费按月交吗", "党费标准", "怎么交党费"]'
    )
    _write(tmp_path / "policies" / "b.md", other)
    library = Library.load(tmp_path)
    assert [e.id for e in library.entries] == ["demo-entry", "other"]
    hits = library.rank("党费一个月交多少钱")
    assert [h.entry.id for h in hits] == ["other"]
    assert dataclasses.asdict(hits[0].entry)["category"] == "党务"
