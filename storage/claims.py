"""申报 (claims for points) and their decisions; see bot/points/claims.py."""

from __future__ import annotations

from typing import Any

from storage.db import Store

_CLAIM = (
    "SELECT c.*, m.name, m.branch_id, m.group_id, d.name AS decider FROM claims c"
    " JOIN members m ON m.id = c.member_id LEFT JOIN members d ON d.id = c.decided_by"
)


def create(
    store: Store, member_id: int, rule: str, text: str, day: str, now: str, asked: str
) -> int:
    return int(
        store.scalar(
            "INSERT INTO claims (member_id, rule, text, day, created_at, asked)"
            " VALUES (:member_id, :rule, :text, :day, :now, :asked) RETURNING id",
            {
                "member_id": member_id,
                "rule": rule,
                "text": text,
                "day": day,
                "now": now,
                "asked": asked,
            },
        )
    )


def get(store: Store, claim_id: int) -> dict[str, Any] | None:
    return store.one(_CLAIM + " WHERE c.id = :id", {"id": claim_id})


def pending_of(store: Store, member_id: int) -> int:
    return int(
        store.scalar(
            "SELECT COUNT(*) FROM claims WHERE member_id = :member_id AND status = 'pending'",
            {"member_id": member_id},
        )
    )


def pending_in(
    store: Store, branch_id: int, group_id: int | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """Pending claims of a 支部 (or one 党小组), oldest first."""
    sql = _CLAIM + " WHERE c.status = 'pending' AND m.branch_id = :branch_id"
    params: dict[str, Any] = {"branch_id": branch_id, "limit": limit}
    if group_id is not None:
        sql += " AND m.group_id = :group_id"
        params["group_id"] = group_id
    return store.query(sql + " ORDER BY c.created_at, c.id LIMIT :limit", params)


def decide(store: Store, claim_id: int, status: str, by: int, now: str, reason: str = "") -> bool:
    """Approve or reject a pending claim; False when it was decided already."""
    cur = store.execute(
        "UPDATE claims SET status = :status, decided_by = :by, decided_at = :now,"
        " reason = :reason WHERE id = :id AND status = 'pending'",
        {"status": status, "by": by, "now": now, "reason": reason, "id": claim_id},
    )
    return cur.rowcount == 1


def set_points(store: Store, claim_id: int, points: int) -> None:
    store.execute("UPDATE claims SET points = :p WHERE id = :id", {"p": points, "id": claim_id})


def due_for_escalation(store: Store, before: str) -> list[dict[str, Any]]:
    """Pending claims made before `before` that have not gone to the secretaries yet."""
    return store.query(
        _CLAIM + " WHERE c.status = 'pending' AND c.created_at <= :before"
        " AND c.escalated_at IS NULL ORDER BY c.created_at, c.id",
        {"before": before},
    )


def mark_escalated(store: Store, claim_id: int, now: str) -> bool:
    cur = store.execute(
        "UPDATE claims SET escalated_at = :now WHERE id = :id AND escalated_at IS NULL",
        {"now": now, "id": claim_id},
    )
    return cur.rowcount == 1


def per_member(store: Store, start: str, end: str) -> dict[int, dict[str, int]]:
    """member -> {made, approved, rejected, pending, points} for claims made between two days."""
    rows = store.query(
        "SELECT member_id, status, COUNT(*) AS n, SUM(points) AS points FROM claims"
        " WHERE day >= :start AND day <= :end GROUP BY member_id, status",
        {"start": start, "end": end},
    )
    out: dict[int, dict[str, int]] = {}
    for r in rows:
        entry = out.setdefault(
            int(r["member_id"]),
            {"made": 0, "approved": 0, "rejected": 0, "pending": 0, "points": 0},
        )
        entry[r["status"]] = int(r["n"])
        entry["made"] += int(r["n"])
        entry["points"] += int(r["points"] or 0)
    return out
