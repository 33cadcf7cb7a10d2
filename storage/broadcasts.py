"""Secretary notices (发布通知 / 定时通知): one row per notice; its pushes are outbox rows with
job 'broadcast:<id>'.

Status: scheduled (waiting for send_at) -> queued (outbox rows enqueued) -> done (every row
final and the delivery summary queued for the author); cancelled (a scheduled notice dropped).
"""

from __future__ import annotations

from typing import Any

from storage.db import Store


def job_name(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}"


def create(
    store: Store,
    branch_id: int,
    group_id: int | None,
    author_id: int | None,
    text: str,
    send_at: str,
    now: str,
    status: str = "scheduled",
) -> int:
    with store.tx():
        return int(
            store.scalar(
                "INSERT INTO broadcasts (branch_id, group_id, author_id, text, send_at, status,"
                " created_at) VALUES (:branch_id, :group_id, :author_id, :text, :send_at, :status,"
                " :now) RETURNING id",
                {
                    "branch_id": branch_id,
                    "group_id": group_id,
                    "author_id": author_id,
                    "text": text,
                    "send_at": send_at,
                    "status": status,
                    "now": now,
                },
            )
        )


_BROADCAST_SQL = (
    'SELECT x.*, b.name AS branch, g.name AS "group" FROM broadcasts x'
    " JOIN branches b ON b.id = x.branch_id LEFT JOIN party_groups g ON g.id = x.group_id"
)


def get(store: Store, broadcast_id: int) -> dict[str, Any] | None:
    return store.one(_BROADCAST_SQL + " WHERE x.id = :id", {"id": broadcast_id})


def due(store: Store, now: str) -> list[dict[str, Any]]:
    """Scheduled notices whose time has come."""
    return store.query(
        "SELECT * FROM broadcasts WHERE status = 'scheduled' AND send_at <= :now"
        " ORDER BY send_at, id",
        {"now": now},
    )


def mark_queued(store: Store, broadcast_id: int, recipients: int, now: str) -> bool:
    cur = store.execute(
        "UPDATE broadcasts SET status = 'queued', recipients = :recipients, queued_at = :now"
        " WHERE id = :id AND status IN ('scheduled', 'queued')",
        {"recipients": recipients, "now": now, "id": broadcast_id},
    )
    return cur.rowcount == 1


def queued(store: Store) -> list[dict[str, Any]]:
    return store.query("SELECT * FROM broadcasts WHERE status = 'queued' ORDER BY id")


def mark_done(store: Store, broadcast_id: int, now: str) -> bool:
    cur = store.execute(
        "UPDATE broadcasts SET status = 'done', done_at = :now WHERE id = :id AND status = 'queued'",
        {"now": now, "id": broadcast_id},
    )
    return cur.rowcount == 1


def cancel(store: Store, broadcast_id: int) -> bool:
    with store.tx():
        cur = store.execute(
            "UPDATE broadcasts SET status = 'cancelled' WHERE id = :id AND status = 'scheduled'",
            {"id": broadcast_id},
        )
        return cur.rowcount == 1


def recent(store: Store, branch_id: int | None = None, limit: int = 20) -> list[dict[str, Any]]:
    sql = _BROADCAST_SQL
    params: dict[str, Any] = {"limit": limit}
    if branch_id is not None:
        sql += " WHERE x.branch_id = :branch_id"
        params["branch_id"] = branch_id
    return store.query(sql + " ORDER BY x.id DESC LIMIT :limit", params)
