"""A 支部 with standings, a confirmed quarter and a 先锋岗, for the /board tests."""

from __future__ import annotations

from bot.clock import stamp
from bot.periods import parse_period
from bot.points import board, stars
from bot.services import Services
from storage import members, pioneers
from storage import points as ledger

OFFICE = "机关党支部"


def office_id(services: Services) -> int:
    found = members.branch_by_name(services.store, OFFICE)
    assert found is not None
    return int(found["id"])


def prepare(services: Services) -> str:
    """Points in December (专卖党小组 ahead per member), a confirmed third quarter (张伟 5 stars,
    刘洋 4, 陈静 2), 黄敏 on a 先锋岗. Returns a board token of 机关党支部."""
    store, rules = services.store, services.points
    for member_id, amount in ((3, 4), (4, 2), (6, 5), (7, 5), (8, 5)):
        ledger.award(store, member_id, "2026-12-01", "quiz", "dec", amount, "t")
    for member_id, amount in ((3, 400), (4, 250), (5, 130)):
        ledger.award(store, member_id, "2026-08-01", "quiz", "q3", amount, "t")
    now = services.clock.now()
    stars.confirm(
        store, rules, office_id(services), parse_period("2026Q3"), "2026-12-02", stamp(now), "t"
    )
    pioneers.add(store, 8, "先锋岗", "营业厅服务岗", "2026-11-01", "t")
    return board.new_link(store, office_id(services), now)
