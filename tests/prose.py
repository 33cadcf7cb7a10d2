"""Copied prose: long runs of characters that a text shares with one of the seed articles.

The seed articles (shared/seeds/*.txt beside the project checkout) are scraped pages, partly in
traditional characters with pinyin debris such as 業(yè). Both sides are reduced to their letters
and digits in simplified characters before comparing. Quotations are left out of the checked
text: a named list (五个服务, 六有 …) may be quoted in “…” with its source, and a document's
title in 《…》 is a citation.

The articles are not part of the repository. When they are not beside the checkout (a clean
CI checkout), the comparison uses a fingerprint kept in tests/data/seed_fingerprint.txt: a
5-byte blake2b hash of every run of MIN_RUN reduced characters of the articles, from which the
articles cannot be read back. `load_seeds()` picks the articles when present, else the
fingerprint; rebuild the fingerprint after the articles change:

    .venv/bin/python -m tests.prose ../shared/seeds
"""

from __future__ import annotations

import base64
import hashlib
import re
import sys
import textwrap
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from bot.text import to_simplified

MIN_RUN = 12  # characters in a row shared with a seed article count as copied
# One bureau's or author's story (the seed articles' subjects) instead of the rule it illustrates.
STORIES = re.compile(r"积石山县局|崇左市城区|刘士玉")
_PINYIN = re.compile(r"[(（][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü\s]{1,12}[)）]")
_QUOTED = re.compile(r"“[^”]*”|《[^》]*》")
FINGERPRINT = Path(__file__).parent / "data" / "seed_fingerprint.txt"
HASH_BYTES = 5
FINGERPRINTED = "seed article (fingerprint)"


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


def _digest(gram: str) -> bytes:
    return hashlib.blake2b(gram.encode("utf-8"), digest_size=HASH_BYTES).digest()


class Seeds:
    def __init__(
        self, texts: dict[str, str], min_run: int = MIN_RUN, hashes: Iterable[bytes] = ()
    ) -> None:
        self.min_run = min_run
        self.grams: dict[str, str] = {}
        self.hashes = frozenset(hashes)
        for name, text in texts.items():
            flat = reduce(text)
            for i in range(len(flat) - min_run + 1):
                self.grams.setdefault(flat[i : i + min_run], name)

    @classmethod
    def load(cls, folder: Path) -> Seeds:
        return cls({p.name: p.read_text("utf-8") for p in sorted(folder.glob("*.txt"))})

    @classmethod
    def from_fingerprint(cls, path: Path = FINGERPRINT) -> Seeds:
        return cls.from_fingerprint_text(path.read_text("ascii"))

    @classmethod
    def from_fingerprint_text(cls, text: str) -> Seeds:
        lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
        raw = base64.b64decode("".join(lines))
        return cls({}, hashes=(raw[i : i + HASH_BYTES] for i in range(0, len(raw), HASH_BYTES)))

    def fingerprint(self) -> str:
        """The fingerprint file's text for these articles."""
        body = base64.b64encode(b"".join(sorted({_digest(g) for g in self.grams}))).decode()
        header = (
            f"# {self.min_run}-character runs of the seed articles, {HASH_BYTES}-byte blake2b"
            " each, base64 (tests/prose.py)\n"
        )
        return header + "\n".join(textwrap.wrap(body, 100)) + "\n"

    def _seed(self, gram: str) -> str | None:
        name = self.grams.get(gram)
        if name is None and self.hashes and _digest(gram) in self.hashes:
            return FINGERPRINTED
        return name

    def copied(self, text: str) -> list[tuple[str, str]]:
        """(run, seed file) for every maximal run of at least min_run characters found in a seed."""
        flat = reduce(unquoted(text))
        found: list[tuple[str, str]] = []
        i, n = 0, self.min_run
        while i + n <= len(flat):
            seed = self._seed(flat[i : i + n])
            if seed is None:
                i += 1
                continue
            end = i + n
            while end < len(flat) and self._seed(flat[end - n + 1 : end + 1]) is not None:
                end += 1
            found.append((flat[i:end], seed))
            i = end
        return found


def load_seeds(start: Path) -> Seeds:
    """The seed articles beside the checkout, else their fingerprint."""
    folder = find_seeds(start)
    return Seeds.load(folder) if folder is not None else Seeds.from_fingerprint()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.prose SEEDS_FOLDER")
    FINGERPRINT.parent.mkdir(exist_ok=True)
    FINGERPRINT.write_text(Seeds.load(Path(sys.argv[1])).fingerprint(), "ascii")
    print(f"{FINGERPRINT}: {len(Seeds.from_fingerprint().hashes)} runs")
