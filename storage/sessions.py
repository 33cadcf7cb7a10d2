"""Dialog sessions: a small JSON state per (channel, account), e.g. a quiz in progress."""

from __future__ import annotations

import json
from typing import Any

from storage.db import Store


def parse(raw: str | None) -> dict[str, Any]:
    """A stored state (JSON, read by storage/arrivals.py): {} when there is none or it is
    unreadable."""
    if not raw:
        return {}
    try:
        state = json.loads(raw)
    except ValueError:
        return {}
    return state if isinstance(state, dict) else {}


def save(store: Store, channel: str, openid: str, state: dict[str, Any], now: str) -> None:
    save_many(store, [(channel, openid, state, now)])


def save_many(store: Store, items: list[tuple[str, str, dict[str, Any], str]]) -> None:
    """`save` for many (channel, openid, state, now), in order (a later one of the same
    account wins), in one statement."""
    store.executemany(
        "INSERT INTO sessions (channel, openid, state, updated_at)"
        " VALUES (:channel, :openid, :state, :now)"
        " ON CONFLICT (channel, openid) DO UPDATE SET state = excluded.state,"
        " updated_at = excluded.updated_at",
        [
            {
                "channel": channel,
                "openid": openid,
                "state": json.dumps(state, ensure_ascii=False),
                "now": now,
            }
            for channel, openid, state, now in items
        ],
    )
