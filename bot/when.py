"""Dates and times typed by secretaries: '2026-12-05 15:00', '2026/12/5 9:30', '2026年12月5日 15:00'."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

_WHEN = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*[ tT]?\s*"
    r"(\d{1,2})\s*(?::|点|时)\s*(\d{1,2})?\s*分?(?=\s|$|[^\d])\s*(.*)$",
    re.S,
)
_DATE_ONLY = re.compile(r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")


@dataclass(frozen=True)
class When:
    at: datetime
    rest: str


class WhenError(ValueError):
    """A reason in Chinese, ready to show."""


def parse_when(text: str, tz: tzinfo) -> When:
    """A moment at the start of `text` and what follows it. Raises WhenError with a reason."""
    text = text.strip()
    m = _WHEN.match(text)
    if not m:
        if _DATE_ONLY.match(text):
            raise WhenError("请写上具体时间，例如 2026-12-05 15:00。")
        raise WhenError("时间格式不对，请写成 2026-12-05 15:00 这样。")
    year, month, day, hour = (int(m.group(i)) for i in range(1, 5))
    minute = int(m.group(5) or 0)
    try:
        at = datetime(year, month, day, hour, minute, tzinfo=tz)
    except ValueError as exc:
        raise WhenError(
            f"{year}-{month:02d}-{day:02d} {hour:02d}:{minute:02d} 不是有效的日期或时间，请检查。"
        ) from exc
    return When(at, m.group(6).strip())


def show(moment: datetime) -> str:
    """12月5日 15:00 — how times are shown in chat."""
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}"
