"""Forgetting old rows of tables that grow with every message (inbound log, console pushes,
binding failures) without an index on their time column and without a long write lock.

Their `id` grows with time (rows are inserted as things happen), so the first row at or after
an instant is found by bisecting the primary key, a handful of indexed lookups; the rows
before it are then deleted by id range in batches, each in a short transaction of its own,
so messages keep being answered while a large backlog goes. (An index on the time column
would cost every message one more B-tree insert for the sake of one daily job.)
"""

from __future__ import annotations

from storage.db import Store

BATCH = 5000  # rows per delete transaction

_TABLES = {  # table -> its time column (names are never taken from input)
    "inbound_log": "received_at",
    "console_inbox": "at",
    "bind_failures": "at",
}


def first_id_since(store: Store, table: str, since: str) -> int | None:
    """The smallest id whose time is at or after `since` (a stamp); one past the last id when
    every row is older; None for an empty table."""
    column = _TABLES[table]
    with store.read():
        first = store.scalar(f"SELECT MIN(id) FROM {table}")  # (one aggregate each: both
        last = store.scalar(f"SELECT MAX(id) FROM {table}")  # are then a primary key lookup)
        if first is None or last is None:
            return None
        lo, hi = int(first), int(last) + 1
        while lo < hi:
            mid = (lo + hi) // 2
            row = store.one(
                f"SELECT id, {column} AS at FROM {table} WHERE id >= :mid ORDER BY id LIMIT 1",
                {"mid": mid},
            )
            if row is None or str(row["at"]) >= since:
                hi = mid
            else:
                lo = int(row["id"]) + 1
        return lo


def delete_before(store: Store, table: str, since: str, batch: int = BATCH) -> int:
    """Delete the rows older than `since` (by id, see the module docstring), `batch` rows per
    transaction. Returns how many."""
    cut = first_id_since(store, table, since)
    if cut is None:
        return 0
    removed = 0
    while True:
        with store.tx(durable=False):
            low = store.scalar(f"SELECT MIN(id) FROM {table}")
            if low is None or int(low) >= cut:
                return removed
            removed += int(
                store.execute(
                    f"DELETE FROM {table} WHERE id < :upto",
                    {"upto": min(cut, int(low) + batch)},
                ).rowcount
            )
