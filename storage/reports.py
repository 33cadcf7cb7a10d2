"""Per-member activity figures of a period for the 通报 workbook (bot/points/report.py): one
grouped query per table, never one per member."""

from __future__ import annotations

from storage.db import Store


def checkin_days(store: Store, start: str, end: str) -> dict[int, int]:
    """Check-in days per member between two days (inclusive)."""
    rows = store.query(
        "SELECT member_id, COUNT(*) AS n FROM checkins WHERE day >= :start AND day <= :end"
        " GROUP BY member_id",
        {"start": start, "end": end},
    )
    return {int(r["member_id"]): int(r["n"]) for r in rows}


def quizzes(store: Store, start: str, end: str) -> dict[int, tuple[int, int, int]]:
    """Finished daily quizzes per member between two days: (sets, right answers, questions)."""
    rows = store.query(
        "SELECT member_id, COUNT(*) AS n, SUM(score) AS right_answers, SUM(size) AS questions"
        " FROM quiz_sessions WHERE day >= :start AND day <= :end AND kind = 'daily'"
        " AND finished_at IS NOT NULL GROUP BY member_id",
        {"start": start, "end": end},
    )
    return {
        int(r["member_id"]): (int(r["n"]), int(r["right_answers"] or 0), int(r["questions"] or 0))
        for r in rows
    }


def meetings_attended(store: Store, since: str, before: str) -> dict[int, int]:
    """Meetings signed in to per member, of meetings starting in [since, before) (instants)."""
    rows = store.query(
        "SELECT mm.member_id, COUNT(*) AS n FROM meeting_members mm"
        " JOIN meetings x ON x.id = mm.meeting_id"
        " WHERE mm.status = 'signed' AND x.cancelled = 0"
        " AND x.starts_at >= :since AND x.starts_at < :before GROUP BY mm.member_id",
        {"since": since, "before": before},
    )
    return {int(r["member_id"]): int(r["n"]) for r in rows}
