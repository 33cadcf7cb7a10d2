"""Calendar periods for points (积分): 本月, 本季, 本年."""

from __future__ import annotations

import datetime as dt


def periods(day: str) -> dict[str, tuple[str, str]]:
    """本月, 本季, 本年 as (first day, last day) for the given date."""
    d = dt.date.fromisoformat(day)
    month_start = d.replace(day=1)
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
    q_first = 3 * ((d.month - 1) // 3) + 1
    quarter_start = d.replace(month=q_first, day=1)
    quarter_end = (quarter_start + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
    return {
        "本月": (month_start.isoformat(), (next_month - dt.timedelta(days=1)).isoformat()),
        "本季": (quarter_start.isoformat(), quarter_end.isoformat()),
        "本年": (d.replace(month=1, day=1).isoformat(), d.replace(month=12, day=31).isoformat()),
    }
