"""The one ranking rule of the bot: more is better, and equal scores share a place, the next
place counting everyone ahead (1, 2, 2, 4 — "standard competition ranking").

Every rank a member or secretary sees comes from `rank`: 我的积分, 排行, the rank at the end of
a daily quiz, and `dangjian points` (screen and Excel). 党小组 and 支部 are ranked by points per
member (`per_member`), the figure 排行 shows, so a small group is not ranked below a large one
for being small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Score = int | Fraction


@dataclass(frozen=True)
class Placed(Generic[T]):
    place: int
    item: T


def rank(items: Iterable[T], score: Callable[[T], Score]) -> list[Placed[T]]:
    """Items from the highest score down, each with its place. Items with the same score keep
    their given order and share a place."""
    ordered = sorted(items, key=score, reverse=True)  # stable: ties keep the given order
    out: list[Placed[T]] = []
    for n, item in enumerate(ordered, start=1):
        same = out and score(out[-1].item) == score(item)
        out.append(Placed(out[-1].place if same else n, item))
    return out


def place_of(ranked: list[Placed[T]], match: Callable[[T], bool]) -> int | None:
    """The place of the first item that matches, or None."""
    return next((p.place for p in ranked if match(p.item)), None)


def points(row: Mapping[str, Any]) -> int:
    """A member's score: the row's points."""
    return int(row["points"])


def per_member(row: Mapping[str, Any]) -> Fraction:
    """A 党小组's or 支部's score: points per member, exactly (3/5 and 6/10 tie)."""
    return Fraction(int(row["points"]), max(int(row["members"]), 1))
