"""Study check-ins (one row per member per day); 心得 are in storage/reflections.py."""

from __future__ import annotations

from datetime import date, timedelta

from storage.db import Store


def add(store: Store, member_id: int, day: str, at: str, study_id: str | None) -> bool:
    """Record today's check-in; False when the member already checked in that day."""
    cur = store.execute(
        "INSERT INTO checkins (member_id, day, at, study_id) VALUES (:member_id, :day, :at, :study)"
        " ON CONFLICT (member_id, day) DO NOTHING",
        {"member_id": member_id, "day": day, "at": at, "study": study_id},
    )
    return cur.rowcount == 1


def streak(store: Store, member_id: int, day: str) -> int:
    """Consecutive days with a check-in, ending on `day`."""
    rows = store.query(
        "SELECT day FROM checkins WHERE member_id = :member_id AND day <= :day"
        " ORDER BY day DESC LIMIT 400",
        {"member_id": member_id, "day": day},
    )
    return consecutive_days([r["day"] for r in rows], day)


def consecutive_days(days_desc: list[str], end: str) -> int:
    """Length of the run of consecutive ISO dates ending at `end` in a descending list."""
    expected = date.fromisoformat(end)
    count = 0
    for d in days_desc:
        if d != expected.isoformat():
            break
        count += 1
        expected -= timedelta(days=1)
    return count


def members_checked_in(store: Store, day: str) -> set[int]:
    return {
        int(r["member_id"])
        for r in store.query("SELECT member_id FROM checkins WHERE day = :day", {"day": day})
    }


def days_per_member(store: Store, start: str, end: str) -> dict[int, int]:
    """Check-in days per member in [start, end) (days as ISO dates)."""
    rows = store.query(
        "SELECT member_id, COUNT(*) AS n FROM checkins WHERE day >= :start AND day < :end"
        " GROUP BY member_id",
        {"start": start, "end": end},
    )
    return {int(r["member_id"]): int(r["n"]) for r in rows}
