"""bot/ranking.py: one ranking rule (ties share a place: 1, 2, 2, 4)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from bot import ranking


def test_ties_share_a_place_and_the_next_place_skips() -> None:
    rows = [{"n": "甲", "points": 0}, {"n": "乙", "points": 7}, {"n": "丙", "points": 3}]
    rows += [{"n": "丁", "points": 3}, {"n": "戊", "points": 0}]
    placed = ranking.rank(rows, ranking.points)
    assert [(p.place, p.item["n"]) for p in placed] == [
        (1, "乙"), (2, "丙"), (2, "丁"), (4, "甲"), (4, "戊"),
    ]  # fmt: skip
    assert ranking.place_of(placed, lambda r: r["n"] == "戊") == 4
    assert ranking.place_of(placed, lambda r: r["n"] == "无") is None
    assert ranking.rank([], ranking.points) == []


def test_groups_rank_by_points_per_member_exactly() -> None:
    groups = [
        {"name": "大组", "points": 6, "members": 10},
        {"name": "小组", "points": 3, "members": 5},
        {"name": "空组", "points": 0, "members": 0},
        {"name": "强组", "points": 5, "members": 4},
    ]
    placed = ranking.rank(groups, ranking.per_member)
    assert [(p.place, p.item["name"]) for p in placed] == [
        (1, "强组"), (2, "大组"), (2, "小组"), (4, "空组"),
    ]  # fmt: skip
    assert ranking.per_member(groups[0]) == Fraction(3, 5)


@given(st.lists(st.integers(min_value=0, max_value=20), max_size=30))
def test_place_is_one_plus_everyone_ahead(scores: list[int]) -> None:
    placed = ranking.rank(scores, lambda s: s)
    assert [p.item for p in placed] == sorted(scores, reverse=True)
    for p in placed:
        assert p.place == 1 + sum(1 for s in scores if s > p.item)
