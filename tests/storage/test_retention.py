"""Pruning by id: the first row at or after an instant is found by bisecting the primary key,
and older rows go in batches."""

from __future__ import annotations

from collections.abc import Callable

from storage import open_store, retention


def _log(store, n: int) -> None:  # type: ignore[no-untyped-def]
    store.executemany(
        "INSERT INTO bind_failures (channel, openid, at) VALUES ('wechat', :o, :at)",
        [
            {"o": f"o{i}", "at": f"2026-12-{1 + i // 10:02d}T00:00:{i % 10:02d}+00:00"}
            for i in range(n)
        ],
    )


def test_first_id_since_and_delete_in_batches(new_db: Callable[..., str]) -> None:
    store = open_store(new_db("r.db"))
    assert retention.first_id_since(store, "bind_failures", "2026-12-02") is None  # empty
    _log(store, 95)  # ten a day from 12-01 (ids 1-95)
    first = int(store.scalar("SELECT MIN(id) FROM bind_failures"))
    assert retention.first_id_since(store, "bind_failures", "2026-11-30") == first
    assert (
        retention.first_id_since(store, "bind_failures", "2026-12-04T00:00:00+00:00") == first + 30
    )
    assert retention.first_id_since(store, "bind_failures", "2027-01-01") == first + 95  # all older
    assert (
        retention.delete_before(store, "bind_failures", "2026-12-04T00:00:00+00:00", batch=7) == 30
    )
    assert store.scalar("SELECT MIN(at) FROM bind_failures") == "2026-12-04T00:00:00+00:00"
    assert retention.delete_before(store, "bind_failures", "2026-12-04T00:00:00+00:00") == 0
    assert store.scalar("SELECT COUNT(*) FROM bind_failures") == 65
    store.close()
