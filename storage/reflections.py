"""心得 (reflections) and their fingerprints (see bot/points/reflections.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from storage.db import Store


def add(store: Store, member_id: int, day: str, text: str, at: str, prints: Sequence[int]) -> int:
    """Keep a 心得 with its fingerprints; returns its id."""
    with store.tx():
        rid = int(
            store.scalar(
                "INSERT INTO reflections (member_id, day, text, at, printed)"
                " VALUES (:member_id, :day, :text, :at, 1) RETURNING id",
                {"member_id": member_id, "day": day, "text": text, "at": at},
            )
        )
        _keep_prints(store, rid, member_id, prints)
        return rid


def _keep_prints(store: Store, rid: int, member_id: int, prints: Sequence[int]) -> None:
    if prints:
        store.executemany(
            "INSERT INTO reflection_prints (print, reflection_id, member_id)"
            " VALUES (:print, :rid, :member_id) ON CONFLICT (print, reflection_id) DO NOTHING",
            [{"print": p, "rid": rid, "member_id": member_id} for p in prints],
        )


def similar(store: Store, prints: Sequence[int], limit: int) -> list[dict[str, Any]]:
    """The 心得 sharing the most fingerprints with `prints` (id, member_id, day, text, shared)."""
    if not prints:
        return []
    return store.query(
        "SELECT r.id, r.member_id, r.day, r.text, c.shared FROM ("
        " SELECT reflection_id, COUNT(*) AS shared FROM reflection_prints"
        " WHERE print IN :prints GROUP BY reflection_id"
        " ORDER BY COUNT(*) DESC, reflection_id DESC LIMIT :limit"
        ") c JOIN reflections r ON r.id = c.reflection_id ORDER BY c.shared DESC, r.id DESC",
        {"prints": list(prints), "limit": limit},
    )


def fill_prints(store: Store, make: Callable[[str], Sequence[int]], batch: int = 500) -> int:
    """Fingerprints for 心得 stored before they existed (at start-up). Returns how many."""
    done = 0
    while True:
        rows = store.query(
            "SELECT id, member_id, text FROM reflections WHERE printed = 0 ORDER BY id LIMIT :n",
            {"n": batch},
        )
        if not rows:
            return done
        with store.tx():
            for r in rows:
                _keep_prints(store, int(r["id"]), int(r["member_id"]), make(str(r["text"])))
                store.execute("UPDATE reflections SET printed = 1 WHERE id = :id", {"id": r["id"]})
        done += len(rows)


def count(store: Store, member_id: int, start: str, end: str) -> int:
    return int(
        store.scalar(
            "SELECT COUNT(*) FROM reflections WHERE member_id = :member_id"
            " AND day >= :start AND day <= :end",
            {"member_id": member_id, "start": start, "end": end},
        )
    )


def per_member(store: Store, start: str, end: str) -> dict[int, int]:
    """心得 per member between two days (inclusive)."""
    rows = store.query(
        "SELECT member_id, COUNT(*) AS n FROM reflections WHERE day >= :start AND day <= :end"
        " GROUP BY member_id",
        {"start": start, "end": end},
    )
    return {int(r["member_id"]): int(r["n"]) for r in rows}
