"""党员先锋岗 and 责任区 designations."""

from __future__ import annotations

from typing import Any

from storage.db import Store

KINDS = ("先锋岗", "责任区")
_SQL = (
    "SELECT p.id, p.member_id, p.kind, p.title, p.since, p.until, m.name, m.branch_id,"
    " b.name AS branch, g.name AS party_group FROM pioneers p"
    " JOIN members m ON m.id = p.member_id JOIN branches b ON b.id = m.branch_id"
    " LEFT JOIN party_groups g ON g.id = m.group_id"
)


def add(store: Store, member_id: int, kind: str, title: str, day: str, now: str) -> int:
    return int(
        store.scalar(
            "INSERT INTO pioneers (member_id, kind, title, since, created_at)"
            " VALUES (:member_id, :kind, :title, :day, :now) RETURNING id",
            {"member_id": member_id, "kind": kind, "title": title, "day": day, "now": now},
        )
    )


def remove(store: Store, pioneer_id: int, day: str) -> dict[str, Any] | None:
    """End a designation; the row it was (None if there is no such designation in force)."""
    row = store.one(_SQL + " WHERE p.id = :id AND p.until IS NULL", {"id": pioneer_id})
    if row is not None:
        store.execute(
            "UPDATE pioneers SET until = :day WHERE id = :id", {"day": day, "id": pioneer_id}
        )
    return row


def of_member(store: Store, member_id: int) -> list[dict[str, Any]]:
    """The member's designations in force."""
    return store.query(
        _SQL + " WHERE p.member_id = :member_id AND p.until IS NULL ORDER BY p.kind, p.id",
        {"member_id": member_id},
    )


def in_force(store: Store, branch_id: int | None = None) -> list[dict[str, Any]]:
    """Designations in force (of active members), by 支部, kind and id."""
    sql = _SQL + " WHERE p.until IS NULL AND m.active = 1"
    params: dict[str, Any] = {}
    if branch_id is not None:
        sql += " AND m.branch_id = :branch_id"
        params["branch_id"] = branch_id
    return store.query(sql + " ORDER BY m.branch_id, p.kind, p.id", params)
