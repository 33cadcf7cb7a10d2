"""Study check-ins (one row per member per day); 心得 are in storage/reflections.py."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from storage.db import Store


def add(store: Store, member_id: int, day: str, at: str, study_id: str | None) -> bool:
    """Record today's check-in; False when the member already checked in that day."""
    cur = store.execute(
        "INSERT INTO checkins (member_id, day, at, study_id) VALUES (:member_id, :day, :at, :study)"
        " ON CONFLICT (member_id, day) DO NOTHING",
        {"member_id": member_id, "day": day, "at": at, "study": study_id},
    )
    return cur.rowcount == 1


# Check-in days 打卡 reads back: enough for any streak a member shows (and whether today is one).
STREAK_DAYS = 400


def days_before(store: Store, member_id: int, day: str) -> list[str]:
    """The member's check-in days up to and including `day`, latest first (at most
    STREAK_DAYS), for `consecutive_days`."""
    rows = store.query(
        "SELECT day FROM checkins WHERE member_id = :member_id AND day <= :day"
        " ORDER BY day DESC LIMIT :limit",
        {"member_id": member_id, "day": day, "limit": STREAK_DAYS},
    )
    return [str(r["day"]) for r in rows]


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


def progress(
    store: Store, day: str, branch_id: int, group_id: int | None = None
) -> list[dict[str, Any]]:
    """未完成: the active members of a 支部 (or of one of its 党小组), each with whether they
    checked in and finished the daily quiz on `day`. One query; each member is looked up by
    key, however much the rest of the organization did that day."""
    scope = " AND m.group_id = :group_id" if group_id is not None else ""
    rows = store.query(
        "SELECT m.id, m.name,"
        " EXISTS (SELECT 1 FROM checkins c WHERE c.member_id = m.id AND c.day = :day)"
        " AS checked,"
        " EXISTS (SELECT 1 FROM quiz_sessions s WHERE s.member_id = m.id AND s.day = :day"
        " AND s.kind = 'daily' AND s.finished_at IS NOT NULL) AS quizzed"
        f" FROM members m WHERE m.branch_id = :branch_id AND m.active = 1{scope} ORDER BY m.id",
        {"day": day, "branch_id": branch_id, "group_id": group_id},
    )
    return [{**r, "checked": bool(r["checked"]), "quizzed": bool(r["quizzed"])} for r in rows]


def days_per_member(store: Store, start: str, end: str) -> dict[int, int]:
    """Check-in days per member in [start, end) (days as ISO dates)."""
    rows = store.query(
        "SELECT member_id, COUNT(*) AS n FROM checkins WHERE day >= :start AND day < :end"
        " GROUP BY member_id",
        {"start": start, "end": end},
    )
    return {int(r["member_id"]): int(r["n"]) for r in rows}
