"""The inbound log: every callback once, so a WeChat retry gets the stored response back."""

from __future__ import annotations

from typing import Any

from storage.db import Store


def claim(
    store: Store, key: str, channel: str, openid: str, msg_type: str, content: str, now: str
) -> bool:
    """Record a new inbound message. False when the key was seen before (a retry)."""
    cur = store.execute(
        "INSERT OR IGNORE INTO inbound_log (key, channel, openid, msg_type, content, received_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (key, channel, openid, msg_type, content[:4000], now),
    )
    return cur.rowcount == 1


def finish(store: Store, key: str, reply: str, intent: str, response: bytes) -> None:
    """Store the reply text and the exact response bytes a retry will get back."""
    store.execute(
        "UPDATE inbound_log SET status = 'done', reply = ?, intent = ?, response = ? WHERE key = ?",
        (reply, intent, response, key),
    )


def release(store: Store, key: str) -> None:
    """Forget a claim whose handling failed, so WeChat's retry runs it again."""
    store.execute("DELETE FROM inbound_log WHERE key = ? AND status = 'processing'", (key,))


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
