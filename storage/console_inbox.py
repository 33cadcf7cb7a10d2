"""Pushes delivered by the console channel, shown by the chat simulator."""

from __future__ import annotations

from typing import Any

from storage import retention
from storage.db import Store


def deliver(store: Store, channel: str, openid: str, text: str, now: str) -> int:
    return int(
        store.scalar(
            "INSERT INTO console_inbox (channel, openid, text, at)"
            " VALUES (:channel, :openid, :text, :now) RETURNING id",
            {"channel": channel, "openid": openid, "text": text, "now": now},
        )
    )


def since(store: Store, channel: str, openid: str, after_id: int = 0) -> list[dict[str, Any]]:
    return store.query(
        "SELECT id, text, at FROM console_inbox WHERE channel = :channel AND openid = :openid"
        " AND id > :after ORDER BY id",
        {"channel": channel, "openid": openid, "after": after_id},
    )


def prune(store: Store, before: str) -> int:
    """Forget console pushes from before `before` (in short batches, by id: see retention)."""
    return retention.delete_before(store, "console_inbox", before)
