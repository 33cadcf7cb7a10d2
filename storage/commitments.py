"""承诺 (a member's commitment for a year) and 践诺 (its judgement); see bot/points/commitments."""

from __future__ import annotations

from typing import Any

from storage.db import Store


def get(store: Store, member_id: int, year: str) -> dict[str, Any] | None:
    return store.one(
        "SELECT c.*, j.name AS judge FROM commitments c LEFT JOIN members j ON j.id = c.judged_by"
        " WHERE c.member_id = :member_id AND c.year = :year",
        {"member_id": member_id, "year": year},
    )


def latest_open(store: Store, member_id: int, year: str) -> dict[str, Any] | None:
    """The member's most recent commitment not yet judged, of `year` or before."""
    return store.one(
        "SELECT * FROM commitments WHERE member_id = :member_id AND status = 'open'"
        " AND year <= :year ORDER BY year DESC LIMIT 1",
        {"member_id": member_id, "year": year},
    )


def latest(store: Store, member_id: int, year: str) -> dict[str, Any] | None:
    return store.one(
        "SELECT c.*, j.name AS judge FROM commitments c LEFT JOIN members j ON j.id = c.judged_by"
        " WHERE c.member_id = :member_id AND c.year <= :year ORDER BY c.year DESC LIMIT 1",
        {"member_id": member_id, "year": year},
    )


def save(store: Store, member_id: int, year: str, text: str, now: str) -> bool:
    """Record or replace the year's commitment while it is not judged. False when judged."""
    cur = store.execute(
        "INSERT INTO commitments (member_id, year, text, created_at, updated_at)"
        " VALUES (:member_id, :year, :text, :now, :now)"
        " ON CONFLICT (member_id, year) DO UPDATE SET text = excluded.text,"
        " updated_at = excluded.updated_at WHERE commitments.status = 'open'",
        {"member_id": member_id, "year": year, "text": text, "now": now},
    )
    return cur.rowcount == 1


def judge(store: Store, commitment_id: int, status: str, by: int, now: str) -> bool:
    cur = store.execute(
        "UPDATE commitments SET status = :status, judged_by = :by, judged_at = :now"
        " WHERE id = :id AND status = 'open'",
        {"status": status, "by": by, "now": now, "id": commitment_id},
    )
    return cur.rowcount == 1


def of_year(store: Store, year: str) -> dict[int, dict[str, Any]]:
    """member -> their commitment of the year (text, status)."""
    rows = store.query(
        "SELECT member_id, text, status FROM commitments WHERE year = :year", {"year": year}
    )
    return {int(r["member_id"]): r for r in rows}
