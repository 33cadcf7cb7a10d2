"""quiz-stats for secretaries: participation, weak topics (accuracy per tag), most-missed questions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from bot.quiz.bank import QuizBank
from bot.spreadsheet import tsv_line
from bot.text import shorten
from storage import quiz as store_quiz
from storage.db import Store


@dataclass(frozen=True)
class QuizStats:
    start: str
    end: str
    groups: list[dict[str, Any]]  # branch, grp, members, takers, sets, answered, right
    tags: list[tuple[str, int, int]]  # (tag, answered, right), weakest first
    missed: list[
        tuple[str, str, int, int]
    ]  # (question id, stem, answered, wrong), most missed first


def compute(
    store: Store, bank: QuizBank, start: str, end: str, branch_id: int | None = None
) -> QuizStats:
    groups = store_quiz.participation(store, start, end, branch_id)
    results = store_quiz.question_results(store, start, end, branch_id)
    per_tag: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    missed: list[tuple[str, str, int, int]] = []
    for row in results:
        answered, right = int(row["answered"]), int(row["right"] or 0)
        q = bank.get(row["question_id"])
        for tag in q.tags if q is not None and q.tags else ("（无标签）",):
            per_tag[tag][0] += answered
            per_tag[tag][1] += right
        if answered > right:
            stem = q.stem if q is not None else "（已从题库删除）"
            missed.append((row["question_id"], stem, answered, answered - right))
    tags = sorted(
        ((t, a, r) for t, (a, r) in per_tag.items()), key=lambda x: (x[2] / x[1], -x[1], x[0])
    )
    missed.sort(key=lambda x: (-x[3], x[3] / x[2] * -1, x[0]))
    return QuizStats(start, end, groups, tags, missed[:10])


def _pct(right: int, answered: int) -> str:
    return f"{100 * right / answered:.0f}%" if answered else "—"


def render(stats: QuizStats) -> str:
    lines = [f"每日答题统计 {stats.start} 至 {stats.end}", "", "【参与情况】支部 / 党小组"]
    lines.append(tsv_line(("支部", "党小组", "党员", "参与人数", "完成组数", "正确率")))
    for g in stats.groups:
        pct = _pct(int(g["right"]), int(g["answered"]))
        lines.append(tsv_line((g["branch"], g["grp"], g["members"], g["takers"], g["sets"], pct)))
    lines += ["", "【薄弱知识点】按正确率从低到高", tsv_line(("标签", "作答次数", "正确率"))]
    if not stats.tags:
        lines.append("（这段时间还没有人答题）")
    for tag, answered, right in stats.tags:
        lines.append(tsv_line((tag, answered, _pct(right, answered))))
    lines += ["", "【错得最多的10道题】", tsv_line(("编号", "答错次数/作答次数", "题干"))]
    if not stats.missed:
        lines.append("（没有答错的题）")
    for qid, stem, answered, wrong in stats.missed:
        lines.append(tsv_line((qid, f"{wrong}/{answered}", shorten(stem, 40))))
    return "\n".join(lines)
