"""The outbox claim: several dispatchers (processes with their own connections) take different
rows, and on PostgreSQL one never waits for another's open claim (FOR UPDATE SKIP LOCKED).
Retention: old sent and skipped rows go, their counts stay."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from bot.demo import load_demo
from storage import open_store, outbox

NOW = "2026-12-02T01:00:00+00:00"


def _queue(target: str, n: int) -> None:
    store = open_store(target)
    load_demo(store, NOW)
    ids = [int(r["id"]) for r in store.query("SELECT id FROM members ORDER BY id")][:n]
    pushes = [outbox.Push("study", "2026-12-02", m, "study", "今日学习") for m in ids]
    assert outbox.enqueue(store, pushes, NOW) == n
    assert outbox.enqueue(store, pushes, NOW) == 0  # the same keys again: nothing new
    store.close()


def test_claims_do_not_overlap(new_db: Callable[..., str]) -> None:
    target = new_db("claims.db")
    _queue(target, 12)
    a, b = open_store(target), open_store(target)
    first = outbox.claim_due(a, NOW, 5)
    second = outbox.claim_due(b, NOW, 5)
    assert len(first) == len(second) == 5
    assert not {r["id"] for r in first} & {r["id"] for r in second}
    assert all(r["attempts"] == 1 for r in first + second)
    assert outbox.counts(a) == {"sending": 10, "pending": 2}
    a.close()
    b.close()


@pytest.mark.pg_only
def test_a_second_dispatcher_skips_rows_another_is_claiming(new_db: Callable[..., str]) -> None:
    target = new_db("skip.db")
    _queue(target, 12)
    a, b = open_store(target), open_store(target)
    got: list[list[dict[str, object]]] = []
    with a.tx():  # A's claim is not committed yet: its rows stay locked
        mine = outbox.claim_due(a, NOW, 5)
        t = threading.Thread(target=lambda: got.append(outbox.claim_due(b, NOW, 5)))
        t.start()
        t.join(10)
        assert not t.is_alive(), "the second dispatcher waited for the first one's locks"
    assert len(mine) == 5 and len(got[0]) == 5
    assert not {r["id"] for r in mine} & {r["id"] for r in got[0]}
    a.close()
    b.close()


def test_prune_deletes_old_sent_and_skipped_rows_and_keeps_their_counts(
    new_db: Callable[..., str],
) -> None:
    store = open_store(new_db("prune.db"))
    load_demo(store, NOW)
    ids = [int(r["id"]) for r in store.query("SELECT id FROM members ORDER BY id")][:12]
    outbox.enqueue(
        store, [outbox.Push("broadcast:1", "2026-12-02", m, "notice", "x") for m in ids], NOW
    )
    outcome = ["sent"] * 5 + ["skipped"] * 3 + ["failed", "unknown", "pending", "sending"]
    for member_id, status in zip(ids, outcome, strict=True):
        store.execute(
            "UPDATE outbox SET status = :s, reason = :r WHERE member_id = :m",
            {"s": status, "r": "window" if status == "skipped" else None, "m": member_id},
        )
    late = "2026-12-20T01:00:00+00:00"  # a row tried again later is younger
    store.execute(
        "UPDATE outbox SET next_attempt_at = :t WHERE member_id = :m", {"t": late, "m": ids[0]}
    )
    before = (outbox.counts(store, "broadcast:1"), outbox.reasons(store, "broadcast:1"))

    assert outbox.prune(store, "2026-12-10T00:00:00+00:00", batch=3) == 7
    left = store.query("SELECT status FROM outbox ORDER BY member_id")
    assert [r["status"] for r in left] == ["sent", "failed", "unknown", "pending", "sending"]
    assert (outbox.counts(store, "broadcast:1"), outbox.reasons(store, "broadcast:1")) == before
    assert before[1][("skipped", "window")] == 3 and before[1][("sent", "")] == 5
    assert outbox.counts(store)["sent"] == 5
    assert outbox.prune(store, "2026-12-10T00:00:00+00:00") == 0  # nothing more, counted once
    assert outbox.reasons(store, "broadcast:1") == before[1]
    store.close()
