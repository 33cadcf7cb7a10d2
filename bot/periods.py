"""Calendar periods for points (积分): months, quarters and years of the organization's calendar
(days are already dates in its zone, Asia/Shanghai by default).

A period has a key that names it everywhere — in the ledger's per-period sums, on the command
line (`--period 2026-11|2026Q4|2026`) and in frozen ratings: `2026-11`, `2026Q4`, `2026`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

KINDS = ("month", "quarter", "year")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})\s*[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
QUARTER_NAMES = ("一", "二", "三", "四")


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year
    key: str  # 2026-11 | 2026Q4 | 2026
    start: dt.date
    end: dt.date  # the last day, inclusive

    @property
    def label(self) -> str:
        """How a person reads it: 2026年11月, 2026年第四季度, 2026年."""
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == "quarter":
            return f"{self.start.year}年第{QUARTER_NAMES[(self.start.month - 1) // 3]}季度"
        return f"{self.start.year}年"

    @property
    def short(self) -> str:
        """本月-style short name within a year: 11月, 第四季度, 2026年."""
        if self.kind == "month":
            return f"{self.start.month}月"
        if self.kind == "quarter":
            return f"第{QUARTER_NAMES[(self.start.month - 1) // 3]}季度"
        return f"{self.start.year}年"

    def months(self) -> list[Period]:
        """The months of the period, in order."""
        out = []
        day = self.start
        while day <= self.end:
            out.append(month_of(day))
            day = out[-1].end + dt.timedelta(days=1)
        return out

    def contains(self, day: dt.date | str) -> bool:
        d = dt.date.fromisoformat(day) if isinstance(day, str) else day
        return self.start <= d <= self.end

    def ended(self, today: dt.date | str) -> bool:
        d = dt.date.fromisoformat(today) if isinstance(today, str) else today
        return d > self.end


def _date(day: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(day) if isinstance(day, str) else day


@lru_cache(maxsize=1024)  # (asked on every 我的积分; a Period never changes)
def month_of(day: dt.date | str) -> Period:
    d = _date(day)
    start = d.replace(day=1)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return Period("month", f"{d.year}-{d.month:02d}", start, nxt - dt.timedelta(days=1))


@lru_cache(maxsize=1024)
def quarter_of(day: dt.date | str) -> Period:
    d = _date(day)
    q = (d.month - 1) // 3 + 1
    start = d.replace(month=3 * q - 2, day=1)
    end = (start + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
    return Period("quarter", f"{d.year}Q{q}", start, end)


@lru_cache(maxsize=1024)
def year_of(day: dt.date | str) -> Period:
    d = _date(day)
    return Period("year", str(d.year), dt.date(d.year, 1, 1), dt.date(d.year, 12, 31))


def period_of(kind: str, day: dt.date | str) -> Period:
    return {"month": month_of, "quarter": quarter_of, "year": year_of}[kind](day)


def parse_period(text: str) -> Period:
    """`2026-11`, `2026Q4` (or `2026q4`) or `2026`; ValueError otherwise."""
    value = text.strip()
    if m := _MONTH.match(value):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"no such month: {text}")
        return month_of(dt.date(year, month, 1))
    if m := _QUARTER.match(value):
        return quarter_of(dt.date(int(m.group(1)), 3 * int(m.group(2)) - 2, 1))
    if m := _YEAR.match(value):
        return year_of(dt.date(int(m.group(1)), 1, 1))
    raise ValueError(f"not a period (2026-11, 2026Q4 or 2026): {text}")


@lru_cache(maxsize=1024)
def keys_of(day: dt.date | str) -> tuple[str, str, str]:
    """The month, quarter and year keys a day counts in."""
    return month_of(day).key, quarter_of(day).key, year_of(day).key


def previous(period: Period) -> Period:
    """The period of the same kind just before."""
    return period_of(period.kind, period.start - dt.timedelta(days=1))


def periods(day: str) -> dict[str, tuple[str, str]]:
    """本月, 本季, 本年 as (first day, last day) for the given date."""
    return {
        name: (p.start.isoformat(), p.end.isoformat())
        for name, p in (("本月", month_of(day)), ("本季", quarter_of(day)), ("本年", year_of(day)))
    }
