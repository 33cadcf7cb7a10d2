"""党小组 results: 月积分、季考核、年度总评.

A 党小组's result for a period combines two parts, weighted as points.yaml's `group_rating`
says (both on a 0-100 scale):

- points: the group's points per member in the period, against the best group of the 支部
  (best = 100; a group at or below 0 gets 0);
- items: the secretary's monthly scores on the group items (落实决议, 特色活动, 工作业绩 …) over
  the months of the period that have started, against their maxima (a month not scored
  counts 0).

Computed exactly (fractions) and ranked with bot/ranking.py: equal results share a place.
The secretary scores in chat: `小组评分 [11月] 党小组 落实决议 8 特色活动 9 工作业绩 7`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from bot import ranking
from bot.clock import day_of, stamp
from bot.periods import Period, month_of, parse_period, previous
from bot.points.rules import Rules
from bot.text import normalize
from storage import group_scores, members
from storage import points as ledger
from storage.db import Store
from storage.members import Member

HUNDRED = Fraction(100)


@dataclass(frozen=True)
class GroupResult:
    id: int
    name: str
    branch_id: int
    members: int
    points: int
    items: dict[str, int] = field(default_factory=dict)  # item key -> sum over the months
    items_max: int = 0  # what the items could have reached in the months counted
    score: Fraction = Fraction(0)  # 0-100
    points_part: Fraction = Fraction(0)  # 0-100
    items_part: Fraction = Fraction(0)  # 0-100

    @property
    def per_member(self) -> Fraction:
        return Fraction(self.points, max(self.members, 1))

    @property
    def items_total(self) -> int:
        return sum(self.items.values())


def months_counted(period: Period, today: date | str) -> list[Period]:
    """The months of the period that have started by `today` (at least the first)."""
    day = date.fromisoformat(today) if isinstance(today, str) else today
    started = [m for m in period.months() if m.start <= day]
    return started or period.months()[:1]


def results(
    db: Store, rules: Rules, branch_id: int, period: Period, today: date | str
) -> list[ranking.Placed[GroupResult]]:
    """Every 党小组 of the 支部 with its result for the period, ranked."""
    totals = ledger.group_totals(db, period.key, branch_id)
    months = [m.key for m in months_counted(period, today)]
    scores = group_scores.of_months(db, months, branch_id)
    per_month_max = rules.items_max
    best = max((Fraction(int(r["points"]), max(int(r["members"]), 1)) for r in totals), default=0)
    weight = rules.points_weight + rules.items_weight
    out = []
    for r in totals:
        per = Fraction(int(r["points"]), max(int(r["members"]), 1))
        points_part = HUNDRED * per / best if best > 0 and per > 0 else Fraction(0)
        items: dict[str, int] = {}
        for month in scores.get(int(r["id"]), {}).values():
            for key, value in month.items():
                if rules.group_items and any(i.key == key for i in rules.group_items):
                    items[key] = items.get(key, 0) + value
        items_max = per_month_max * len(months)
        items_part = HUNDRED * sum(items.values()) / items_max if items_max else Fraction(0)
        score = (rules.points_weight * points_part + rules.items_weight * items_part) / weight
        out.append(
            GroupResult(
                int(r["id"]),
                str(r["name"]),
                int(r["branch_id"]),
                int(r["members"]),
                int(r["points"]),
                items,
                items_max,
                score,
                points_part,
                items_part,
            )
        )
    return ranking.rank(out, lambda g: g.score)


def one_decimal(value: Fraction) -> str:
    return f"{float(value):.1f}"


# -- 小组评分 in chat ------------------------------------------------------------------------

_PAIR = re.compile(r"^(\D+?)[:：]?(-?\d+(?:\.\d+)?)$")
_MONTH = re.compile(r"^(?:(\d{4})[-年/.])?(\d{1,2})月?$")


def _month(word: str, today: str) -> Period | None:
    """上月 / 本月 / 11月 / 2026-11 (a month of this year up to now, or of last year)."""
    this = month_of(today)
    if word in ("本月", "这个月"):
        return this
    if word in ("上月", "上个月"):
        return previous(this)
    m = _MONTH.match(word)
    if m is None or not (word.endswith("月") or m.group(1)):
        return None
    year = int(m.group(1) or today[:4])
    month = int(m.group(2))
    if not 1 <= month <= 12:
        return None
    found = parse_period(f"{year}-{month:02d}")
    if found.start > this.start and not m.group(1):
        found = parse_period(f"{year - 1}-{month:02d}")  # 12月 said in January: last year's
    return found


def usage(rules: Rules) -> str:
    items = " ".join(f"{i.name} {i.max // 2 + i.max // 4}" for i in rules.group_items)
    maxima = "、".join(f"{i.name}{i.max}分" for i in rules.group_items)
    return (
        f"请发送：小组评分 党小组 {items}（满分：{maxima}；默认本月，"
        "评上月请在党小组前加“上月”或“11月”）。"
    )


def score_in_chat(db: Store, rules: Rules, me: Member, args: str, now: datetime) -> str:
    today = day_of(now)
    if not rules.group_items:
        return "积分规则里没有党小组评分项目（points.yaml 的 group_items）。"
    words = [w for w in re.split(r"[\s,，;；、]+", args.strip()) if w]
    if not words:
        return usage(rules)
    month = _month(normalize(words[0]), today)
    if month is not None:
        words = words[1:]
    else:
        month = month_of(today)
    if month.start > month_of(today).start:
        return "还没到这个月，不能评分。"
    if not words:
        return usage(rules)
    group = _group(db, me, words[0])
    if group is None:
        names = "、".join(g["name"] for g in members.groups(db, me.branch_id))
        return f"{me.branch}没有“{words[0]}”这个党小组（有：{names}）。"
    scores, problem = _pairs(rules, words[1:])
    if problem:
        return problem + "\n" + usage(rules)
    if not scores:
        return usage(rules)
    group_scores.save(db, int(group["id"]), month.key, scores, me.id, stamp(now))
    saved = group_scores.of_months(db, [month.key]).get(int(group["id"]), {}).get(month.key, {})
    parts = [f"{i.name} {saved[i.key]}/{i.max}" for i in rules.group_items if i.key in saved]
    missing = [i.name for i in rules.group_items if i.key not in saved]
    total = sum(saved.get(i.key, 0) for i in rules.group_items)
    tail = f"；还没评：{'、'.join(missing)}" if missing else ""
    return (
        f"已记录{group['name']}{month.short}评分：{'，'.join(parts)}"
        f"（合计 {total}/{rules.items_max}{tail}）。"
    )


def _group(db: Store, me: Member, word: str) -> dict[str, Any] | None:
    key = normalize(word)
    for g in members.groups(db, me.branch_id):
        name = normalize(str(g["name"]))
        if key in (name, name.removesuffix("党小组"), name.removesuffix("小组")):
            return g
    return None


def _pairs(rules: Rules, words: list[str]) -> tuple[dict[str, int], str]:
    out: dict[str, int] = {}
    i = 0
    while i < len(words):
        word = normalize(words[i])
        m = _PAIR.match(word)
        if m is not None:
            name, number = m.group(1), m.group(2)
            i += 1
        elif i + 1 < len(words):
            name, number = word, normalize(words[i + 1])
            i += 2
        else:
            return {}, f"“{word}”后面缺少分数。"
        item = rules.group_item(name)
        if item is None:
            return {}, f"没有“{name}”这个评分项目。"
        try:
            value = int(number)
        except ValueError:
            return {}, f"{item.name}的分数应为 0 到 {item.max} 的整数（收到“{number}”）。"
        if not 0 <= value <= item.max:
            return {}, f"{item.name}的分数应为 0 到 {item.max} 的整数（收到 {value}）。"
        out[item.key] = value
    return out, ""
