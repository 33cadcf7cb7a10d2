"""Callback (timestamp, nonce) pairs seen inside the timestamp window, so a captured callback
URL cannot be used again with another body (see SECURITY.md)."""

from __future__ import annotations

from storage.db import Store


def remember(store: Store, channel: str, ts: int, nonce: str, digest: str) -> str:
    """Record a callback's (timestamp, nonce), in the caller's transaction (the one that
    handles or logs the message). Returns 'new', 'same' (seen before with the same message
    digest: a retry) or 'other' (seen before with a different message)."""
    key = {"ts": ts, "nonce": nonce, "channel": channel, "digest": digest}
    # Insert first: two hosts receiving the same retry at once can't both see "new" (on
    # PostgreSQL the second waits for the first's row, then finds it).
    if store.scalar(
        "INSERT INTO callback_nonces (ts, nonce, channel, digest)"
        " VALUES (:ts, :nonce, :channel, :digest)"
        " ON CONFLICT (ts, nonce, channel) DO NOTHING RETURNING digest",
        key,
    ):
        return "new"
    seen = store.scalar(
        "SELECT digest FROM callback_nonces WHERE ts = :ts AND nonce = :nonce"
        " AND channel = :channel",
        key,
    )
    return "same" if seen == digest else "other"


def prune(store: Store, oldest: int) -> int:
    """Forget pairs with a timestamp before `oldest`: they can no longer pass the timestamp
    check. A short transaction of its own that need not wait for the disk."""
    with store.tx(durable=False):
        return int(
            store.execute(
                "DELETE FROM callback_nonces WHERE ts < :oldest", {"oldest": oldest}
            ).rowcount
        )


def count(store: Store) -> int:
    return int(store.scalar("SELECT COUNT(*) FROM callback_nonces"))
