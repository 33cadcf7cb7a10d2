"""tests/prose.py: the fingerprint stands in for the seed articles and stays current."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.prose import FINGERPRINT, Seeds, find_seeds

ROOT = Path(__file__).resolve().parent.parent


def test_the_fingerprint_is_current_with_the_articles() -> None:
    folder = find_seeds(ROOT)
    if folder is None:
        pytest.skip("shared/seeds is not beside this checkout: nothing to compare with")
    articles = Seeds.load(folder)
    assert FINGERPRINT.read_text("ascii") == articles.fingerprint(), (
        "the seed articles changed: run python -m tests.prose with their folder"
    )


def test_a_run_found_in_the_articles_is_found_in_their_fingerprint() -> None:
    articles = Seeds({"a.txt": "他說:黨小組長要比普通黨(dǎng)員先學一步、學深一些。"})
    fingerprint = Seeds.from_fingerprint_text(articles.fingerprint())
    text = "党小组长应当比普通党员先学一步，学深一些。"
    assert [run for run, _ in fingerprint.copied(text)] == [run for run, _ in articles.copied(text)]
    assert fingerprint.copied("小组长要先学、学深，给党员做样子。") == []


def test_the_fingerprint_finds_what_the_articles_find() -> None:
    fingerprint = Seeds.from_fingerprint()
    # A clause of a seed article, with the article's punctuation changed, is found; the same
    # article's named list is allowed when quoted; plain own words are not flagged.
    copied = "县局支部帮助零售客户解决卷烟销售、营销网建、许可证办理、政策咨询等问题。"
    assert [run for run, _ in fingerprint.copied(copied)] == [
        "解决卷烟销售营销网建许可证办理政策咨询等"
    ]
    assert fingerprint.copied(copied.replace("、", "")) != []
    quoted = "即“服务改革、服务发展、服务民生、服务群众、服务党员”。"
    assert fingerprint.copied(quoted) == []
    assert fingerprint.copied(quoted.replace("“", "").replace("”", "")) != []
    assert fingerprint.copied("零售户党员要带头守法经营，只从当地烟草公司进货。") == []
