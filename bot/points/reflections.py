"""心得: is a text the member's own? At least MIN_CHARS characters, and not a near-copy of their
earlier 心得, of another member's, or of the day's study item.

Near-copy is measured on character 3-grams of the text reduced to letters and digits (NFKC,
traditional to simplified, lower case: punctuation, spaces and the script don't hide a copy):
the share of the new text's 3-grams found in the other text. At THRESHOLD or above it is a
near-copy. THRESHOLD is calibrated on a labelled set written for the purpose
(tests/data/reflections.tsv, `python bench/reflections.py`): near-copies with light edits
(words changed, sentences reordered or added, traditional characters) score 0.56 and more;
members' own texts on the same topic, including one that quotes a sentence, 0.26 and less;
THRESHOLD sits in the middle of that gap.

Earlier 心得 are found through fingerprints, not by reading them all: a quarter of each text's
3-grams (those whose hash is divisible by 4, so both texts pick the same ones) are stored in
`reflection_prints` (indexed by fingerprint); a new text looks up the 心得 that share its
fingerprints and compares itself exactly with at most the 20 that share the most, instead of
reading every 心得 the organization ever wrote.
"""

from __future__ import annotations

import unicodedata
import zlib
from dataclasses import dataclass

from bot.text import to_simplified
from storage import reflections as store
from storage.db import Store

MIN_CHARS = 50
THRESHOLD = 0.4
SAMPLE = 4  # keep 3-grams whose hash is divisible by this
CANDIDATES = 20


def letters(text: str) -> str:
    """The text reduced to letters and digits: what is compared and counted."""
    text = to_simplified(unicodedata.normalize("NFKC", text)).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def grams(text: str) -> set[str]:
    s = letters(text)
    return {s[i : i + 3] for i in range(len(s) - 2)}


def overlap(new: set[str], other: set[str]) -> float:
    """The share of the new text's 3-grams that the other text has."""
    return len(new & other) / len(new) if new else 0.0


def _hash(gram: str) -> int:
    return zlib.crc32(gram.encode("utf-8")) & 0x7FFFFFFF


def prints(text_grams: set[str]) -> list[int]:
    """The fingerprints of a text: the hashes of its sampled 3-grams."""
    return sorted({h for g in text_grams if (h := _hash(g)) % SAMPLE == 0})


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""  # too_short | study | own | other
    share: float = 0.0
    day: str = ""  # the day of the earlier 心得 it copies (own)
    chars: int = 0


def check(db: Store, member_id: int, text: str, study_text: str = "") -> Verdict:
    """Whether a 心得 can be accepted, and if not, why."""
    chars = len(letters(text))
    if chars < MIN_CHARS:
        return Verdict(False, "too_short", chars=chars)
    mine = grams(text)
    if study_text:
        share = overlap(mine, grams(study_text))
        if share >= THRESHOLD:
            return Verdict(False, "study", share, chars=chars)
    best: Verdict | None = None
    for row in store.similar(db, prints(mine), CANDIDATES):
        share = overlap(mine, grams(str(row["text"])))
        if share >= THRESHOLD and (best is None or share > best.share):
            own = int(row["member_id"]) == member_id
            best = Verdict(False, "own" if own else "other", share, str(row["day"]), chars)
    return best or Verdict(True, chars=chars)


def record(db: Store, member_id: int, day: str, text: str, at: str) -> int:
    """Keep an accepted 心得 and its fingerprints; returns its id."""
    return store.add(db, member_id, day, text, at, prints(grams(text)))
