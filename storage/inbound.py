"""The inbound log: every callback once, so a WeChat retry gets the stored response back."""

from __future__ import annotations

from typing import Any

from storage.db import Store


def record(
    store: Store,
    key: str,
    channel: str,
    openid: str,
    msg_type: str,
    content: str,
    now: str,
    reply: str,
    intent: str,
    response: bytes,
) -> None:
    """Log a handled message with the exact response bytes a retry will get back. Call it in
    the transaction that handled the message, after `get(key)` found nothing."""
    store.execute(
        "INSERT INTO inbound_log (key, channel, openid, msg_type, content, received_at, status,"
        " reply, intent, response) VALUES (?, ?, ?, ?, ?, ?, 'done', ?, ?, ?)",
        (key, channel, openid, msg_type, content[:4000], now, reply, intent, response),
    )


def get(store: Store, key: str) -> dict[str, Any] | None:
    return store.one("SELECT * FROM inbound_log WHERE key = ?", (key,))


def last_text(store: Store, channel: str, openid: str, exclude_key: str = "") -> str | None:
    """The member's most recent text message (for 转人工 and feedback)."""
    value = store.scalar(
        "SELECT content FROM inbound_log WHERE channel = ? AND openid = ? AND key != ?"
        " AND msg_type IN ('text', 'voice') AND content != '' ORDER BY received_at DESC, rowid DESC LIMIT 1",
        (channel, openid, exclude_key),
    )
    return str(value) if value is not None else None


def prune(store: Store, before: str) -> int:
    return store.execute("DELETE FROM inbound_log WHERE received_at < ?", (before,)).rowcount
