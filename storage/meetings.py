"""三会一课 meetings: the meeting, who it concerns (应到) and what each did (请假 / 签到)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from storage.db import Store

TYPES = ("支部党员大会", "支委会", "党小组会", "党课", "主题党日")

_MEETING_SQL = (
    'SELECT x.*, b.name AS branch, g.name AS "group" FROM meetings x'
    " JOIN branches b ON b.id = x.branch_id LEFT JOIN party_groups g ON g.id = x.group_id"
)


def create(
    store: Store,
    branch_id: int,
    group_id: int | None,
    type_: str,
    starts_at: str,
    place: str,
    code: str,
    created_by: int | None,
    now: str,
    invitees: Iterable[int],
) -> int:
    with store.tx():
        meeting_id = int(
            store.scalar(
                "INSERT INTO meetings (branch_id, group_id, type, starts_at, place, code,"
                " created_by, created_at) VALUES (:branch_id, :group_id, :type, :starts_at,"
                " :place, :code, :created_by, :now) RETURNING id",
                {
                    "branch_id": branch_id,
                    "group_id": group_id,
                    "type": type_,
                    "starts_at": starts_at,
                    "place": place,
                    "code": code,
                    "created_by": created_by,
                    "now": now,
                },
            )
        )
        store.executemany(
            "INSERT INTO meeting_members (meeting_id, member_id) VALUES (:meeting_id, :member_id)"
            " ON CONFLICT DO NOTHING",
            [{"meeting_id": meeting_id, "member_id": m} for m in invitees],
        )
        return meeting_id


def get(store: Store, meeting_id: int) -> dict[str, Any] | None:
    return store.one(_MEETING_SQL + " WHERE x.id = :id", {"id": meeting_id})


def list_for(
    store: Store,
    branch_id: int | None = None,
    start: str | None = None,
    end: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Meetings (not cancelled), optionally for one 支部 and between two moments, by start."""
    sql = _MEETING_SQL + " WHERE x.cancelled = 0"
    params: dict[str, Any] = {"limit": limit}
    if branch_id is not None:
        sql += " AND x.branch_id = :branch_id"
        params["branch_id"] = branch_id
    if start is not None:
        sql += " AND x.starts_at >= :start"
        params["start"] = start
    if end is not None:
        sql += " AND x.starts_at < :end"
        params["end"] = end
    return store.query(sql + " ORDER BY x.starts_at, x.id LIMIT :limit", params)


def latest_started(store: Store, branch_id: int, before: str) -> dict[str, Any] | None:
    """The most recent meeting of a 支部 starting before `before`."""
    return store.one(
        _MEETING_SQL + " WHERE x.branch_id = :branch_id AND x.cancelled = 0"
        " AND x.starts_at <= :before ORDER BY x.starts_at DESC, x.id DESC LIMIT 1",
        {"branch_id": branch_id, "before": before},
    )


def next_upcoming(store: Store, branch_id: int, after: str) -> dict[str, Any] | None:
    return store.one(
        _MEETING_SQL + " WHERE x.branch_id = :branch_id AND x.cancelled = 0"
        " AND x.starts_at > :after ORDER BY x.starts_at, x.id LIMIT 1",
        {"branch_id": branch_id, "after": after},
    )


def for_member(store: Store, member_id: int, start: str, end: str) -> list[dict[str, Any]]:
    """Meetings a member is invited to, starting in [start, end), with the member's status."""
    return store.query(
        _MEETING_SQL.replace(
            "SELECT x.*",
            "SELECT x.*, mm.status AS my_status, mm.reason AS my_reason,"
            " mm.wrong_codes AS my_wrong_codes",
        )
        + " JOIN meeting_members mm ON mm.meeting_id = x.id AND mm.member_id = :member_id"
        " WHERE x.cancelled = 0 AND x.starts_at >= :start AND x.starts_at < :end"
        " ORDER BY x.starts_at, x.id",
        {"member_id": member_id, "start": start, "end": end},
    )


def in_branch_between(store: Store, branch_id: int, start: str, end: str) -> list[dict[str, Any]]:
    return store.query(
        _MEETING_SQL + " WHERE x.branch_id = :branch_id AND x.cancelled = 0"
        " AND x.starts_at >= :start AND x.starts_at < :end ORDER BY x.starts_at, x.id",
        {"branch_id": branch_id, "start": start, "end": end},
    )


def attendees(store: Store, meeting_id: int) -> list[dict[str, Any]]:
    """Everyone the meeting concerns, with status, reason, wrong sign-in codes and name, by
    member id."""
    return store.query(
        "SELECT mm.member_id, mm.status, mm.reason, mm.at, mm.wrong_codes, m.name"
        " FROM meeting_members mm"
        " JOIN members m ON m.id = mm.member_id WHERE mm.meeting_id = :id ORDER BY mm.member_id",
        {"id": meeting_id},
    )


def invitee_ids(store: Store, meeting_id: int, exclude_leave: bool = False) -> list[int]:
    sql = "SELECT member_id FROM meeting_members WHERE meeting_id = :id"
    if exclude_leave:
        sql += " AND status <> 'leave'"
    return [
        int(r["member_id"]) for r in store.query(sql + " ORDER BY member_id", {"id": meeting_id})
    ]


def set_status(
    store: Store, meeting_id: int, member_id: int, status: str, reason: str, now: str
) -> bool:
    cur = store.execute(
        "UPDATE meeting_members SET status = :status, reason = :reason, at = :now"
        " WHERE meeting_id = :meeting_id AND member_id = :member_id",
        {
            "status": status,
            "reason": reason,
            "now": now,
            "meeting_id": meeting_id,
            "member_id": member_id,
        },
    )
    return cur.rowcount == 1


def count_wrong_code(store: Store, meeting_ids: Iterable[int], member_id: int) -> None:
    """One more wrong sign-in code for the member at each of these meetings."""
    for meeting_id in meeting_ids:
        store.execute(
            "UPDATE meeting_members SET wrong_codes = wrong_codes + 1"
            " WHERE meeting_id = :meeting AND member_id = :member",
            {"meeting": meeting_id, "member": member_id},
        )


def invitation(store: Store, meeting_id: int, member_id: int) -> dict[str, Any] | None:
    """The member's row for a meeting (status, reason, wrong_codes), or None if not invited."""
    return store.one(
        "SELECT status, reason, wrong_codes FROM meeting_members"
        " WHERE meeting_id = :meeting AND member_id = :member",
        {"meeting": meeting_id, "member": member_id},
    )


def due_reminders(store: Store, which: str, now: str, horizon: str) -> list[dict[str, Any]]:
    """Meetings starting in (now, horizon] whose `which` ('24h' or '1h') reminder has not been
    queued yet."""
    column = {"24h": "reminded_24h_at", "1h": "reminded_1h_at"}[which]
    return store.query(
        _MEETING_SQL + f" WHERE x.cancelled = 0 AND x.{column} IS NULL"
        " AND x.starts_at > :now AND x.starts_at <= :horizon ORDER BY x.starts_at, x.id",
        {"now": now, "horizon": horizon},
    )


def mark_reminded(store: Store, meeting_id: int, which: str, now: str) -> None:
    column = {"24h": "reminded_24h_at", "1h": "reminded_1h_at"}[which]
    store.execute(
        f"UPDATE meetings SET {column} = :now WHERE id = :id", {"now": now, "id": meeting_id}
    )


def cancel(store: Store, meeting_id: int) -> bool:
    with store.tx():
        return (
            store.execute(
                "UPDATE meetings SET cancelled = 1 WHERE id = :id AND cancelled = 0",
                {"id": meeting_id},
            ).rowcount
            == 1
        )


def open_invitations(store: Store, member_id: int) -> list[dict[str, Any]]:
    """The member's invitations still at 'invited', with each meeting's start."""
    return store.query(
        "SELECT mm.meeting_id, x.starts_at FROM meeting_members mm"
        " JOIN meetings x ON x.id = mm.meeting_id"
        " WHERE mm.member_id = :member_id AND mm.status = 'invited' AND x.cancelled = 0",
        {"member_id": member_id},
    )


def uninvite(store: Store, meeting_id: int, member_id: int) -> None:
    """Take a member off a meeting's 应到 (someone who left before it took place)."""
    store.execute(
        "DELETE FROM meeting_members WHERE meeting_id = :meeting_id AND member_id = :member_id"
        " AND status = 'invited'",
        {"meeting_id": meeting_id, "member_id": member_id},
    )
