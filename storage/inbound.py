"""The inbound log: every callback once, so a WeChat retry gets the stored response back."""

from __future__ import annotations

from typing import Any

from storage import retention
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
    if_new: bool = False,
) -> bool:
    """Log a handled message with the exact response bytes a retry will get back. Call it in
    the transaction that handled the message, after `get(key)` found nothing: a row with the
    same key then fails the transaction. With `if_new` (the read-only path, whose log row has
    a transaction of its own) an existing row is left alone and False is returned."""
    sql = _INSERT + " ON CONFLICT (key) DO NOTHING" if if_new else _INSERT
    cur = store.execute(
        sql,
        {
            "key": key,
            "channel": channel,
            "openid": openid,
            "msg_type": msg_type,
            "content": content[:4000],
            "now": now,
            "reply": reply,
            "intent": intent,
            "response": response,
        },
    )
    return cur.rowcount == 1


_INSERT = (
    "INSERT INTO inbound_log (key, channel, openid, msg_type, content, received_at, status,"
    " reply, intent, response) VALUES (:key, :channel, :openid, :msg_type, :content, :now,"
    " 'done', :reply, :intent, :response)"
)


def record_many(store: Store, rows: list[dict[str, Any]]) -> None:
    """`record(..., if_new=True)` for many rows (`record`'s arguments), in one statement."""
    store.executemany(
        _INSERT + " ON CONFLICT (key) DO NOTHING",
        [{**r, "content": str(r["content"])[:4000]} for r in rows],
    )


def logged_keys(store: Store, keys: list[str]) -> set[str]:
    """Which of these message keys are logged already."""
    if not keys:
        return set()
    rows = store.query("SELECT key FROM inbound_log WHERE key IN :keys", {"keys": keys})
    return {str(r["key"]) for r in rows}


def get(store: Store, key: str, legacy: str | None = None) -> dict[str, Any] | None:
    """The logged message, by its key (or the key an earlier version gave it)."""
    return store.one(
        "SELECT * FROM inbound_log WHERE key IN (:key, :legacy)",
        {"key": key, "legacy": legacy or key},
    )


def prune(store: Store, before: str) -> int:
    """Forget messages received before `before` (in short batches, by id: see retention)."""
    return retention.delete_before(store, "inbound_log", before)
