"""Each member's set for a day: reproducible, no repeats within a cycle, due reviews mixed in.

- The draw is seeded by (member, day, which set), so the same inputs give the same set.
- Fresh questions come from those the member has not seen in the current cycle; when fewer are
  left than needed, the cycle ends (the caller resets the seen list) and the rest are drawn from
  the whole bank, never repeating a question within the set.
- Daily sets mix in up to REVIEWS_PER_SET wrong answers that are due again (storage.quiz keeps
  the 1 / 3 / 7-day schedule).
- Options are shuffled per member and day; `shown` records, for each letter the member saw, the
  bank's letter (`"CADB"`: shown A is bank C), so answers are read in the member's letters.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.quiz.bank import LETTERS, Question

REVIEWS_PER_SET = 2


@dataclass(frozen=True)
class Pick:
    question_id: str
    review: bool


def rng_for(member_id: int, day: str, salt: str = "") -> random.Random:
    """A generator seeded by text (str seeds hash with SHA-512: stable across processes)."""
    return random.Random(f"dangjian:{member_id}:{day}:{salt}")


def choose(
    bank_ids: Sequence[str],
    seen: Collection[str],
    due: Sequence[str],
    member_id: int,
    day: str,
    size: int,
    salt: str = "daily",
    exclude: Collection[str] = (),
    reviews: int = REVIEWS_PER_SET,
) -> tuple[list[Pick], bool]:
    """The set (in the order it is asked) and whether the member's cycle starts over."""
    rng = rng_for(member_id, day, salt)
    ids = sorted(set(bank_ids))
    known = set(ids)
    size = max(0, min(size, len(ids)))
    review_ids = [q for q in due if q in known and q not in exclude][: min(reviews, size)]
    taken = set(review_ids) | set(exclude)
    need = size - len(review_ids)
    pool = [q for q in ids if q not in seen and q not in taken]
    reset = False
    if len(pool) >= need:
        fresh = rng.sample(pool, need)
    else:
        fresh = rng.sample(pool, len(pool))
        reset = True
        rest = [q for q in ids if q not in taken and q not in fresh]
        if len(rest) < need - len(fresh):  # tiny bank: allow today's earlier questions again
            rest = [q for q in ids if q not in review_ids and q not in fresh]
        fresh += rng.sample(rest, min(len(rest), need - len(fresh)))
    picks = [Pick(q, False) for q in fresh]
    for q in review_ids:  # reviews go to seeded places among the fresh questions
        picks.insert(rng.randint(0, len(picks)), Pick(q, True))
    return picks, reset


def shuffle_options(question: Question, member_id: int, day: str) -> str:
    """The bank letters in the order this member sees them that day ('' for judge / blank)."""
    if not question.choice:
        return ""
    letters = [letter for letter, _ in question.options]
    if question.shuffleable:
        rng_for(member_id, day, f"options:{question.id}").shuffle(letters)
    return "".join(letters)


def to_bank(shown: str, letters: str) -> str:
    """Shown letters → bank letters (sorted)."""
    return "".join(
        sorted(shown[LETTERS.index(ch)] for ch in letters if LETTERS.index(ch) < len(shown))
    )


def to_shown(shown: str, letters: Sequence[str]) -> str:
    """Bank letters → the letters this member saw (sorted)."""
    return "".join(sorted(LETTERS[shown.index(ch)] for ch in letters if ch in shown))


def shown_options(question: Question, shown: str) -> list[tuple[str, str]]:
    """(shown letter, text) in the order the member sees them."""
    texts = question.option_map
    return [(LETTERS[i], texts[bank]) for i, bank in enumerate(shown)]
