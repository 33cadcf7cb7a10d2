"""/board link tokens: one per 支部, stored as a SHA-256 hash."""

from __future__ import annotations

from storage.db import Store


def set_token(store: Store, branch_id: int, token_hash: str, now: str) -> None:
    """The 支部's new token (the old one stops working)."""
    store.execute(
        "INSERT INTO board_tokens (branch_id, token_hash, created_at)"
        " VALUES (:branch_id, :hash, :now) ON CONFLICT (branch_id) DO UPDATE SET"
        " token_hash = excluded.token_hash, created_at = excluded.created_at",
        {"branch_id": branch_id, "hash": token_hash, "now": now},
    )


def revoke(store: Store, branch_id: int) -> bool:
    cur = store.execute(
        "DELETE FROM board_tokens WHERE branch_id = :branch_id", {"branch_id": branch_id}
    )
    return cur.rowcount == 1


def branch_of(store: Store, token_hash: str) -> int | None:
    value = store.scalar(
        "SELECT branch_id FROM board_tokens WHERE token_hash = :hash", {"hash": token_hash}
    )
    return int(value) if value is not None else None
