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
