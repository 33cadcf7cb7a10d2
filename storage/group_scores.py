"""小组评分: monthly scores of each 党小组 on the group items (see bot/points/groups.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from storage.db import Store


def save(
    store: Store, group_id: int, month: str, scores: Mapping[str, int], by: int | None, now: str
) -> None:
    """Set some items' scores of one group and month (others keep theirs)."""
    store.executemany(
        "INSERT INTO group_scores (group_id, month, item, score, scored_by, at)"
        " VALUES (:group_id, :month, :item, :score, :by, :now)"
        " ON CONFLICT (group_id, month, item) DO UPDATE SET score = excluded.score,"
        " scored_by = excluded.scored_by, at = excluded.at",
        [
            {"group_id": group_id, "month": month, "item": k, "score": v, "by": by, "now": now}
            for k, v in scores.items()
        ],
    )


def of_months(
    store: Store, months: Iterable[str], branch_id: int | None = None
) -> dict[int, dict[str, dict[str, int]]]:
    """group -> month -> item -> score for the given months (of one 支部's groups)."""
    out: dict[int, dict[str, dict[str, int]]] = {}
    sql = "SELECT group_id, month, item, score FROM group_scores WHERE month IN :months"
    params: dict[str, object] = {"months": list(months)}
    if branch_id is not None:
        sql += " AND group_id IN (SELECT id FROM party_groups WHERE branch_id = :branch_id)"
        params["branch_id"] = branch_id
    for r in store.query(sql, params):
        out.setdefault(int(r["group_id"]), {}).setdefault(r["month"], {})[r["item"]] = int(
            r["score"]
        )
    return out
