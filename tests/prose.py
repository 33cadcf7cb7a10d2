"""Copied prose: long runs of characters that a text shares with one of the seed articles.

The seed articles (shared/seeds/*.txt beside the project checkout) are scraped pages, partly in
traditional characters with pinyin debris such as 業(yè). Both sides are reduced to their letters
and digits in simplified characters before comparing. Quotations are left out of the checked
text: a named list (五个服务, 六有 …) may be quoted in “…” with its source, and a document's
title in 《…》 is a citation.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from bot.text import to_simplified

MIN_RUN = 12  # characters in a row shared with a seed article count as copied
# One bureau's or author's story (the seed articles' subjects) instead of the rule it illustrates.
STORIES = re.compile(r"积石山县局|崇左市城区|刘士玉")
_PINYIN = re.compile(r"[(（][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü\s]{1,12}[)）]")
_QUOTED = re.compile(r"“[^”]*”|《[^》]*》")


def reduce(text: str) -> str:
    """Simplified characters, letters and digits only (punctuation and spaces dropped)."""
    text = _PINYIN.sub("", unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in to_simplified(text) if ch.isalnum())


def unquoted(text: str) -> str:
    return _QUOTED.sub("。", text)


def find_seeds(start: Path) -> Path | None:
    """shared/seeds in a parent of the checkout (where the project keeps its source articles)."""
    for parent in [start, *start.parents]:
        candidate = parent / "shared" / "seeds"
        if candidate.is_dir() and any(candidate.glob("*.txt")):
            return candidate
    return None


class Seeds:
    def __init__(self, texts: dict[str, str], min_run: int = MIN_RUN) -> None:
        self.min_run = min_run
        self.grams: dict[str, str] = {}
        for name, text in texts.items():
            flat = reduce(text)
            for i in range(len(flat) - min_run + 1):
                self.grams.setdefault(flat[i : i + min_run], name)

    @classmethod
    def load(cls, folder: Path) -> Seeds:
        return cls({p.name: p.read_text("utf-8") for p in sorted(folder.glob("*.txt"))})

    def copied(self, text: str) -> list[tuple[str, str]]:
        """(run, seed file) for every maximal run of at least min_run characters found in a seed."""
        flat = reduce(unquoted(text))
        found: list[tuple[str, str]] = []
        i, n = 0, self.min_run
        while i + n <= len(flat):
            seed = self.grams.get(flat[i : i + n])
            if seed is None:
                i += 1
                continue
            end = i + n
            while end < len(flat) and flat[end - n + 1 : end + 1] in self.grams:
                end += 1
            found.append((flat[i:end], seed))
            i = end
        return found
