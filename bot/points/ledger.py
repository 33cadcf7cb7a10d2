"""Earning points under the rules, and adjustments.

`earn` is the one way an action turns into ledger rows: it picks the rules of the action (or
the one named), the version in force on the day, applies the daily and monthly caps of that
version against what the member already has for the rule, and writes one row per rule (once
per member, rule and ref). Adjustments (`adjust`) are rows of their own rule key, `adjust`,
with the reason and who made them: they never change an earlier row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from bot.points.rules import ADJUST, Rule, Rules
from storage import points as ledger
from storage.db import Store


@dataclass(frozen=True)
class Credit:
    rule: Rule
    version: int
    wanted: int  # what the action is worth under the version
    amount: int  # what was credited after the caps (0: capped, or already credited)
    new: bool  # a row was written now

    @property
    def capped(self) -> bool:
        return self.amount < self.wanted


def room(store: Store, rule: Rule, member_id: int, day: str) -> int | None:
    """How many more points the member can earn under `rule` on `day` (None: no cap)."""
    version = rule.version_on(day)
    if version is None:
        return 0
    left: list[int] = []
    if version.daily_cap is not None:
        today = ledger.day_by_rule(store, member_id, day).get(rule.key, 0)
        left.append(version.daily_cap - today)
    if version.monthly_cap is not None:
        month = day[:7]
        have = ledger.sums(store, member_id, [month]).get(month, {}).get(rule.key, 0)
        left.append(version.monthly_cap - have)
    return max(0, min(left)) if left else None


def earn(
    store: Store,
    rules: Rules,
    member_id: int,
    action: str,
    ref: str,
    day: str,
    at: str,
    *,
    count: int = 1,
    rule_key: str | None = None,
    reason: str = "",
    granted_by: int | None = None,
    granted_via: str = "",
) -> list[Credit]:
    """Credit `action` (worth `count` times the rule's points) to the member on `day`; one row
    per matching rule, within its caps. A rule without a version on `day` earns nothing."""
    chosen = [rules.rule(rule_key)] if rule_key else rules.for_action(action)
    out: list[Credit] = []
    with store.atomic():
        # Caps are read, then written: one member's earnings are credited one at a time, also
        # from two hosts at once (PostgreSQL: an advisory lock; SQLite: writers are serial).
        store.lock(f"points:{member_id}")
        for rule in chosen:
            if rule is None or rule.action != action:
                continue
            version = rule.version_on(day)
            if version is None:
                continue
            wanted = version.points * count
            amount = wanted
            if wanted > 0:
                left = room(store, rule, member_id, day)
                if left is not None:
                    amount = min(wanted, left)
            new = False
            if amount != 0:
                new = ledger.add(
                    store,
                    member_id=member_id,
                    day=day,
                    rule=rule.key,
                    ref=ref,
                    amount=amount,
                    at=at,
                    version=version.number,
                    reason=reason or rule.name,
                    granted_by=granted_by,
                    granted_via=granted_via,
                )
            out.append(Credit(rule, version.number, wanted, amount if new else 0, new))
    return out


def total(credits: list[Credit]) -> int:
    return sum(c.amount for c in credits)


def adjust(
    store: Store,
    member_id: int,
    amount: int,
    reason: str,
    day: str,
    at: str,
    granted_by: int | None = None,
    granted_via: str = "",
) -> str:
    """A secretary's adjustment: its own ledger row (rule `adjust`) with the reason; returns
    its ref. Never changes an earlier row."""
    if amount == 0:
        raise ValueError("an adjustment of 0 points changes nothing")
    if not reason.strip():
        raise ValueError("an adjustment needs a reason")
    ref = f"adjust:{uuid.uuid4().hex}"
    ledger.add(
        store,
        member_id=member_id,
        day=day,
        rule=ADJUST,
        ref=ref,
        amount=amount,
        at=at,
        version=0,
        reason=reason.strip(),
        granted_by=granted_by,
        granted_via=granted_via,
    )
    return ref
