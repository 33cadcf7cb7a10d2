"""Find prose copied from the seed articles, without keeping the articles in the repository.

The seed articles (the scraped pages this product grew from) are not part of the repository.
What is kept is a fingerprint: a 40-bit hash of every run of WINDOW characters of each article,
after folding (NFKC, traditional → simplified) and keeping only Chinese characters and digits,
so punctuation, spacing and the pinyin debris of the scraped pages don't hide a copy.
`copied_spans(text)` folds a text the same way and returns the passages of WINDOW or more
characters that also occur in an article.

A named list quoted in “” (五个服务, 四强六好, the six 先锋 …) may be cited word for word with
its source, and so may a document's title in 《》: such passages of up to QUOTE_LIMIT characters
are left out of the comparison. A line break ends a passage in the text checked (list items and
fields are separate), but not in the articles (scraped pages break lines mid-sentence).

Rebuild the fingerprint after the articles change:

    .venv/bin/python -m tests.knowledge.copied_prose SEEDS_FOLDER
"""

from __future__ import annotations

import base64
import hashlib
import re
import sys
import textwrap
from functools import lru_cache
from pathlib import Path

from bot.text import normalize

WINDOW = 12
QUOTE_LIMIT = 80
HASH_BYTES = 5
FINGERPRINT = Path(__file__).parent / "data" / "seed_fingerprint.txt"

_QUOTED = re.compile(f"“[^“”]{{0,{QUOTE_LIMIT}}}”|《[^《》]{{0,{QUOTE_LIMIT}}}》")
_DROP = re.compile(r"[^\u4e00-\u9fff0-9|]")


def fold(text: str, *, seed: bool = False) -> list[str]:
    """The runs of Chinese characters and digits to compare: of a seed article whole, of a
    text checked line by line with quoted lists and titles cut out."""
    if seed:
        text = normalize(text)
    else:
        text = "|".join(_QUOTED.sub("|", normalize(line)) for line in text.splitlines())
    return [run for run in _DROP.sub("", text).split("|") if run]


def _hash(window: str) -> bytes:
    return hashlib.blake2b(window.encode("utf-8"), digest_size=HASH_BYTES).digest()


def windows(run: str) -> list[str]:
    return [run[i : i + WINDOW] for i in range(len(run) - WINDOW + 1)]


@lru_cache(maxsize=1)
def seed_hashes() -> frozenset[bytes]:
    lines = [ln for ln in FINGERPRINT.read_text("ascii").splitlines() if not ln.startswith("#")]
    raw = base64.b64decode("".join(lines))
    return frozenset(raw[i : i + HASH_BYTES] for i in range(0, len(raw), HASH_BYTES))


def copied_spans(text: str) -> list[str]:
    """Passages of at least WINDOW characters of `text` that also occur in a seed article."""
    known = seed_hashes()
    spans: list[str] = []
    for run in fold(text):
        hits = [i for i, w in enumerate(windows(run)) if _hash(w) in known]
        start = end = -2
        for i in hits:
            if i > end + 1:
                if start >= 0:
                    spans.append(run[start : end + WINDOW])
                start = i
            end = i
        if start >= 0:
            spans.append(run[start : end + WINDOW])
    return spans


def build(seeds: Path) -> str:
    hashes: set[bytes] = set()
    for path in sorted(seeds.glob("*.txt")):
        for run in fold(path.read_text("utf-8"), seed=True):
            hashes.update(_hash(w) for w in windows(run))
    body = base64.b64encode(b"".join(sorted(hashes))).decode("ascii")
    header = (
        f"# {WINDOW}-character windows of the seed articles, {HASH_BYTES}-byte blake2b each,"
        " base64 (tests/knowledge/copied_prose.py)\n"
    )
    return header + "\n".join(textwrap.wrap(body, 100)) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.knowledge.copied_prose SEEDS_FOLDER")
    FINGERPRINT.write_text(build(Path(sys.argv[1])), "ascii")
    print(f"{FINGERPRINT}: {len(seed_hashes())} windows")
