"""Stars and ratings per period: members get 0-5 stars for a quarter or a year (thresholds in
points.yaml); 党小组 are ranked per month, quarter and year (月积分、季考核、年度总评, see
groups.py). A rating is a draft, computed from the ledger, until the secretary confirms it
(`dangjian stars --period … --confirm`, only after the period has ended); then its figures are
frozen (storage/ratings.py) and later ledger changes (an adjustment, a late approval) don't
alter it — `stars` says how many members' points have moved since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot import ranking
from bot.periods import Period, parse_period
from bot.points import groups
from bot.points.rules import Rules
from storage import members, ratings
from storage import points as ledger
from storage.db import Store
from storage.members import Member


@dataclass(frozen=True)
class MemberRating:
    member_id: int
    name: str
    party_group: str
    points: int
    stars: int
    branch_place: int
    group_place: int | None


@dataclass(frozen=True)
class GroupRating:
    group_id: int
    name: str
    members: int
    points: int
    per_member: float
    items_total: int
    items_max: int
    score: float
    place: int


@dataclass
class Rating:
    period: Period
    branch_id: int
    branch: str
    members: list[MemberRating] = field(default_factory=list)  # quarters and years only
    groups: list[GroupRating] = field(default_factory=list)
    confirmed_at: str | None = None
    moved: int = 0  # confirmed: members (groups, for a month) whose points differ now

    @property
    def rates_members(self) -> bool:
        return self.period.kind in ("quarter", "year")

    @property
    def moved_text(self) -> str:
        """'2人' / '1个党小组' whose points moved since the confirmation ('' if none)."""
        if not self.moved:
            return ""
        return f"{self.moved}人" if self.rates_members else f"{self.moved}个党小组"


def draft(db: Store, rules: Rules, branch_id: int, period: Period, today: date | str) -> Rating:
    """The rating as the ledger says now."""
    branch = _branch_name(db, branch_id)
    rating = Rating(period, branch_id, branch)
    rating.groups = [
        GroupRating(
            g.item.id,
            g.item.name,
            g.item.members,
            g.item.points,
            float(g.item.per_member),
            g.item.items_total,
            g.item.items_max,
            float(g.item.score),
            g.place,
        )
        for g in groups.results(db, rules, branch_id, period, today)
    ]
    if rating.rates_members:
        rows = ledger.member_totals(db, period.key, branch_id=branch_id)
        names = {int(g["id"]): str(g["name"]) for g in members.groups(db, branch_id)}
        by_group: dict[int | None, list[dict[str, object]]] = {}
        for r in rows:
            by_group.setdefault(r["group_id"], []).append(r)
        group_place: dict[int, int] = {}
        for gid, people in by_group.items():
            if gid is None:
                continue
            for p in ranking.rank(people, ranking.points):
                group_place[int(p.item["id"])] = p.place  # type: ignore[call-overload]
        rating.members = [
            MemberRating(
                int(p.item["id"]),
                str(p.item["name"]),
                names.get(p.item["group_id"], "") if p.item["group_id"] is not None else "",
                int(p.item["points"]),
                rules.stars_for(period.kind, int(p.item["points"])),
                p.place,
                group_place.get(int(p.item["id"])),
            )
            for p in ranking.rank(rows, ranking.points)
        ]
    return rating


def rating(db: Store, rules: Rules, branch_id: int, period: Period, today: date | str) -> Rating:
    """The confirmed rating if there is one (with how many members' points moved since), else
    the draft."""
    confirmed = ratings.confirmation(db, period.key, branch_id)
    if confirmed is None:
        return draft(db, rules, branch_id, period, today)
    out = Rating(period, branch_id, _branch_name(db, branch_id))
    out.confirmed_at = str(confirmed["confirmed_at"])
    out.members = [
        MemberRating(
            int(r["member_id"]),
            str(r["name"]),
            str(r["party_group"]),
            int(r["points"]),
            int(r["stars"]),
            int(r["branch_place"]),
            int(r["group_place"]) if r["group_place"] is not None else None,
        )
        for r in ratings.members_of(db, period.key, branch_id)
    ]
    out.groups = [
        GroupRating(
            int(r["group_id"]),
            str(r["name"]),
            int(r["members"]),
            int(r["points"]),
            float(r["per_member"]),
            int(r["items_total"]),
            int(r["items_max"]),
            float(r["score"]),
            int(r["place"]),
        )
        for r in ratings.groups_of(db, period.key, branch_id)
    ]
    if out.rates_members:
        now = {
            int(r["id"]): int(r["points"]) for r in ledger.member_totals(db, period.key, branch_id)
        }
        out.moved = sum(1 for m in out.members if now.get(m.member_id, m.points) != m.points)
    else:
        now = {
            int(r["id"]): int(r["points"]) for r in ledger.group_totals(db, period.key, branch_id)
        }
        out.moved = sum(1 for g in out.groups if now.get(g.group_id, g.points) != g.points)
    return out


class NotYet(ValueError):
    """The period has not ended (or was confirmed already): nothing was frozen."""


def confirm(
    db: Store, rules: Rules, branch_id: int, period: Period, today: date | str, now: str, via: str
) -> Rating:
    """Freeze the period's rating of one 支部. Raises NotYet before the period has ended or
    when it is confirmed already."""
    if not period.ended(today):
        raise NotYet(f"{period.label}还没有结束（{period.end} 之后才能确认）。")
    with db.tx():
        current = draft(db, rules, branch_id, period, today)
        frozen = ratings.freeze(
            db,
            period.key,
            branch_id,
            now,
            via,
            [m.__dict__ for m in current.members],
            [g.__dict__ for g in current.groups],
        )
        if not frozen:
            done = ratings.confirmation(db, period.key, branch_id)
            when = done["confirmed_at"] if done else ""
            raise NotYet(f"{current.branch}{period.label}的评定已于 {when} 确认过了。")
    return rating(db, rules, branch_id, period, today)


def last_confirmed_member_rating(db: Store, member: Member) -> tuple[Period, int] | None:
    """The member's stars in the latest confirmed quarter or year of their 支部."""
    for key in ratings.confirmed_periods(db, member.branch_id):
        period = parse_period(key)
        if period.kind == "month":
            continue
        row = ratings.member(db, key, member.id)
        if row is not None:
            return period, int(row["stars"])
    return None


def my_stars(db: Store, rules: Rules, member: Member, quarter: int, year: int) -> str:
    """我的积分's stars line: this quarter's and year's stars so far (from the member's
    quarter and year points) and the latest confirmed rating."""
    line = (
        f"星级：本季目前 {rules.stars_for('quarter', quarter)} 星，"
        f"本年目前 {rules.stars_for('year', year)} 星"
    )
    last = last_confirmed_member_rating(db, member)
    if last is not None:
        line += f"；{last[0].label} {last[1]} 星（已确认）"
    return line + "。"


def _branch_name(db: Store, branch_id: int) -> str:
    return next((str(b["name"]) for b in members.branches(db) if int(b["id"]) == branch_id), "")
