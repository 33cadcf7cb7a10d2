"""Time is an input: domain code asks a Clock for `now` (aware, in the organization's zone)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Shanghai"


class Clock(Protocol):
    tz: ZoneInfo

    def now(self) -> datetime: ...


class SystemClock:
    def __init__(self, tz: str = DEFAULT_TZ) -> None:
        self.tz = ZoneInfo(tz)

    def now(self) -> datetime:
        return datetime.now(self.tz)


class FixedClock:
    """A clock that only moves when told to (tests, benchmarks, the day-boundary checks)."""

    def __init__(self, at: datetime | str, tz: str = DEFAULT_TZ) -> None:
        self.tz = ZoneInfo(tz)
        self._lock = threading.Lock()
        self._now = self._coerce(at)

    def _coerce(self, at: datetime | str) -> datetime:
        value = datetime.fromisoformat(at) if isinstance(at, str) else at
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.tz)
        return value.astimezone(self.tz)

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, at: datetime | str) -> None:
        with self._lock:
            self._now = self._coerce(at)

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self._now = self._now + timedelta(**delta)
            return self._now


def stamp(moment: datetime) -> str:
    """The storage form of a moment: ISO-8601 in UTC, to the second ('2026-12-02T01:00:00+00:00').

    Every stored instant is UTC, whatever DANGJIAN_TIMEZONE says, so instants written by
    processes with different zones sort and compare correctly, as text and as datetimes."""
    if moment.tzinfo is None:
        raise ValueError("stamp() needs an aware datetime (take it from the Clock)")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def day_of(moment: datetime) -> str:
    return moment.date().isoformat()


def parse_stamp(value: str) -> datetime:
    """A stored instant (see `stamp`) as an aware datetime. Compare instants as datetimes, and
    convert with `.astimezone(clock.tz)` (or `local()`) before showing one to a person."""
    return datetime.fromisoformat(value)


def local(value: str, tz: tzinfo) -> datetime:
    """A stored instant in the organization's zone: what a person should see."""
    return parse_stamp(value).astimezone(tz)


def show_stamp(value: object, tz: tzinfo) -> str:
    """A stored instant for a person to read: '2026-12-02 09:00' in the organization's zone
    (empty for no value; anything that isn't an instant is shown as it is)."""
    if not value:
        return ""
    try:
        moment = local(str(value), tz)
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M")
