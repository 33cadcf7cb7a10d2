"""党小组 results (月积分、季考核、年度总评): points per member against the best group, the
secretary's item scores over the months that have started, weighted per points.yaml; ties
share a place."""

from __future__ import annotations

from fractions import Fraction

from bot.periods import parse_period
from bot.points import groups
from bot.services import Services
from storage import group_scores, members
from storage import points as ledger

# 机关党支部: 综合党小组 = members 1-5, 专卖党小组 = members 6-10.


def give(services: Services, member_id: int, amount: int, day: str = "2026-12-01") -> None:
    ledger.award(services.store, member_id, day, "quiz", f"{member_id}:{day}", amount, "t")


def group_id(services: Services, name: str) -> int:
    branch = members.branch_by_name(services.store, "机关党支部")
    assert branch is not None
    found = members.group_by_name(services.store, int(branch["id"]), name)
    assert found is not None
    return int(found["id"])


def test_month_and_quarter_results(services: Services) -> None:
    for m in (1, 2, 3, 4):
        give(services, m, 5)  # 综合: 20 points, 4 per member
    give(services, 6, 10)  # 专卖: 10 points, 2 per member
    zh, zm = group_id(services, "综合党小组"), group_id(services, "专卖党小组")
    group_scores.save(
        services.store,
        zh,
        "2026-12",
        {"resolutions": 8, "activities": 9, "performance": 7},
        None,
        "t",
    )
    group_scores.save(
        services.store,
        zm,
        "2026-12",
        {"resolutions": 10, "activities": 10, "performance": 10},
        None,
        "t",
    )
    branch = members.branch_by_name(services.store, "机关党支部")
    assert branch is not None
    month = groups.results(
        services.store, services.points, int(branch["id"]), parse_period("2026-12"), "2026-12-02"
    )
    assert [(p.place, p.item.name, p.item.score) for p in month] == [
        (1, "综合党小组", Fraction(92)),  # 0.6 x 100 + 0.4 x 80
        (2, "专卖党小组", Fraction(70)),  # 0.6 x 50 + 0.4 x 100
    ]
    assert (month[0].item.points_part, month[0].item.items_part) == (100, 80)
    # The quarter: October, November and December have started; only December is scored.
    quarter = groups.results(
        services.store, services.points, int(branch["id"]), parse_period("2026Q4"), "2026-12-02"
    )
    assert [(p.item.name, p.item.items_max, p.item.score) for p in quarter] == [
        ("综合党小组", 90, Fraction(60) + Fraction(2, 5) * Fraction(2400, 90)),
        ("专卖党小组", 90, Fraction(30) + Fraction(2, 5) * Fraction(3000, 90)),
    ]
    # Equal results share a place.
    give(services, 7, 10)  # 专卖: 20 points, 4 per member
    group_scores.save(
        services.store,
        zm,
        "2026-12",
        {"resolutions": 8, "activities": 9, "performance": 7},
        None,
        "t",
    )
    tied = groups.results(
        services.store, services.points, int(branch["id"]), parse_period("2026-12"), "2026-12-02"
    )
    assert [p.place for p in tied] == [1, 1]


def test_only_the_months_that_have_started_count() -> None:
    assert [m.key for m in groups.months_counted(parse_period("2026Q4"), "2026-11-15")] == [
        "2026-10",
        "2026-11",
    ]
    assert [m.key for m in groups.months_counted(parse_period("2027"), "2026-12-02")] == ["2027-01"]


def test_the_chat_ranking_of_groups_has_the_same_figures(services: Services) -> None:
    import random

    from bot.points import standings

    rnd = random.Random(5)
    for m in range(1, 21):
        if rnd.random() < 0.7:
            give(services, m, rnd.randint(0, 9))
    members.set_active(services.store, 9, False, "t")
    for branch in members.branches(services.store):
        bid = int(branch["id"])
        rows = ledger.member_points(services.store, "2026-12", bid)
        chat = standings.groups_from(rows, members.groups(services.store, bid))
        full = standings.group_ranking(services.store, "2026-12", bid)
        assert [(p.place, p.item["name"], p.item["members"], p.item["points"]) for p in chat] == [
            (p.place, p.item["name"], p.item["members"], p.item["points"]) for p in full
        ]
