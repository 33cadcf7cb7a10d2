"""The 公示栏 page (/board) of one 支部: 党小组 standings of the month and the quarter, 党员先锋岗
and 责任区, and the star members of the last confirmed rating. It is opened with the 支部's
link token (`dangjian board-link --branch …`); only a SHA-256 of the token is stored.

What it shows of people: names of 先锋岗 / 责任区 holders and of members with at least
`board.min_stars` stars in a confirmed rating — never phone numbers, never anyone ranked from
the bottom. 党小组 (not people) are all listed with their results.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import day_of, stamp
from bot.periods import Period, month_of, parse_period, quarter_of
from bot.points import groups
from bot.points.rules import Rules
from storage import board as store
from storage import members, pioneers, ratings
from storage.db import Store

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def new_link(db: Store, branch_id: int, now: datetime) -> str:
    """A new token for the 支部's board (the old link stops working); returns the token."""
    token = secrets.token_urlsafe(24)
    store.set_token(db, branch_id, _hash(token), stamp(now))
    return token


def branch_for(db: Store, token: str) -> int | None:
    if not _TOKEN.match(token):
        return None
    return store.branch_of(db, _hash(token))


@dataclass(frozen=True)
class Standing:
    place: int
    name: str
    members: int
    per_member: str
    items: str
    score: str


@dataclass
class Board:
    branch: str
    month: Period
    quarter: Period
    month_groups: list[Standing] = field(default_factory=list)
    quarter_groups: list[Standing] = field(default_factory=list)
    posts: list[tuple[str, str, str]] = field(default_factory=list)  # kind, title, name
    star_period: Period | None = None
    star_members: list[tuple[str, str, int]] = field(default_factory=list)  # name, group, stars
    updated: datetime | None = None


def _standings(
    db: Store, rules: Rules, branch_id: int, period: Period, today: str
) -> list[Standing]:
    return [
        Standing(
            p.place,
            p.item.name,
            p.item.members,
            groups.one_decimal(p.item.per_member),
            f"{p.item.items_total}/{p.item.items_max}",
            groups.one_decimal(p.item.score),
        )
        for p in groups.results(db, rules, branch_id, period, today)
    ]


def build(db: Store, rules: Rules, branch_id: int, now: datetime) -> Board:
    today = day_of(now)
    name = next((str(b["name"]) for b in members.branches(db) if int(b["id"]) == branch_id), "")
    out = Board(name, month_of(today), quarter_of(today), updated=now)
    with db.read():
        out.month_groups = _standings(db, rules, branch_id, out.month, today)
        out.quarter_groups = _standings(db, rules, branch_id, out.quarter, today)
        out.posts = [
            (str(p["kind"]), str(p["title"]), str(p["name"]))
            for p in pioneers.in_force(db, branch_id)
        ]
        for key in ratings.confirmed_periods(db, branch_id):
            period = parse_period(key)
            if period.kind == "month":
                continue
            out.star_period = period
            rows = ratings.members_of(db, key, branch_id)
            best = [r for r in rows if int(r["stars"]) >= rules.board_min_stars]
            best.sort(key=lambda r: (-int(r["stars"]), int(r["branch_place"]), int(r["member_id"])))
            out.star_members = [
                (str(r["name"]), str(r["party_group"]), int(r["stars"])) for r in best
            ]
            break
    return out
