"""Calibrate the matcher's confidence on the development sets, and print the best settings.

    .venv/bin/python bench/calibrate.py [--dev ../shared/eval/policy_dev.tsv]

The development sets: leave-one-out over the entries' own phrasings, the dev file, the
look-alike set (tests/knowledge/data/lookalike_dev.tsv) and the off-topic list
(tests/knowledge/data/offtopic.txt). Never a held-out set: those are only measured
(bench/search.py). For each setting of COVERAGE_SHARE, RELATIVE_SHARE, STRENGTH_HALF and ANSWER
it replays the matcher's decision (candidates ordered by BM25F after the gates, answer when the
best one's confidence reaches ANSWER; asking back is not replayed) and scores

    in scope: (answered right − answered wrong) / questions, averaged over the sets
              (leave-one-out counts 3, dev 1, the look-alike set's own questions 1)
    + out of scope: (rejected − answered) / questions, averaged over the sets

A wrong answer costs as much as a right one gains (store owners act on the answers; a
question without an answer still gets suggestions or 转人工).

It prints the best settings and the current ones; the constants in bot/knowledge/library.py
are set by hand from this (prefer the current values unless a setting is clearly better).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search import read_tsv  # noqa: E402
from bot.config import SHIPPED_CONTENT  # noqa: E402
from bot.knowledge import Library  # noqa: E402
from bot.knowledge import library as settings  # noqa: E402

# (entry id, BM25F score, coverage, score relative to the query's best, gate factor)
Candidate = tuple[str, float, float, float, float]


def candidates(library: Library, text: str) -> list[Candidate]:
    q = library.query(text)
    if not q.words and not q.bigrams:
        return []
    out = []
    for doc, raw in library.index.top(q.words, q.bigrams, settings.POOL):
        cov = library.index.coverage(doc, q.words, settings.UNKNOWN_WEIGHT) if q.words else 0.0
        rel = min(raw / q.ideal, 1.0) if q.ideal > 0 else 0.0
        out.append((library.entries[doc].id, raw, cov, rel, library._factor(q, doc)))
    return out


def leave_one_out(library: Library) -> Iterator[tuple[str, str, list[Candidate]]]:
    entries = library.entries
    for i, entry in enumerate(entries):
        for j, question in enumerate(entry.questions):
            rest = entry.questions[:j] + entry.questions[j + 1 :]
            others = [*entries[:i], dataclasses.replace(entry, questions=rest), *entries[i + 1 :]]
            lib = Library(others, library.analyzer, library.foreign, library.anchors)
            yield question, entry.id, candidates(lib, question)


def decide(cands: list[Candidate], cov_share: float, rel_share: float, half: float, answer: float):  # type: ignore[no-untyped-def]
    if not cands:
        return None
    best = max(cands, key=lambda c: c[1] * c[4])
    entry_id, raw, cov, rel, factor = best
    rest = 1.0 - cov_share - rel_share
    conf = (cov_share * cov + rel_share * rel + rest * raw / (raw + half)) * factor
    return entry_id if conf >= answer else None


WEIGHTS = {"loo": 3.0, "dev": 1.0, "look": 1.0}


def main() -> None:
    data = ROOT / "tests" / "knowledge" / "data"
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "policy_dev.tsv"
    )
    parser.add_argument("--content", type=Path, default=SHIPPED_CONTENT)
    args = parser.parse_args()
    library = Library.load(args.content)
    sets: dict[str, list[tuple[str, list[Candidate]]]] = {}

    def add(name: str, question: str, expect: str, cands: list[Candidate]) -> None:
        sets.setdefault(name if expect != "-" else name + "-out", []).append((expect, cands))

    for name, path in (("dev", args.dev), ("look", data / "lookalike_dev.tsv")):
        if path.is_file():
            for question, expect in read_tsv(path):
                add(name, question, expect, candidates(library, question))
    for question, _ in read_tsv(data / "offtopic.txt"):
        add("off", question, "-", candidates(library, question))
    for question, expect, cands in leave_one_out(library):
        add("loo", question, expect, cands)

    def score(cov: float, rel: float, half: float, answer: float) -> tuple[float, dict[str, float]]:
        rates = {}
        for name, rows in sets.items():
            value = 0
            for expect, cands in rows:
                said = decide(cands, cov, rel, half, answer)
                if expect == "-":
                    value += 1 if said is None else -1
                elif said is not None:
                    value += 1 if said == expect else -1
            rates[name] = value / len(rows)
        inside = [n for n in WEIGHTS if n in rates]
        outside = [n for n in rates if n.endswith("-out")]
        value = sum(rates[n] * WEIGHTS[n] for n in inside) / sum(WEIGHTS[n] for n in inside)
        value += sum(rates[n] for n in outside) / max(len(outside), 1)
        return value, rates

    results = []
    for cov in (0.0, 0.1, 0.2, 0.3, 0.4):
        for rel in (0.0, 0.1, 0.2, 0.3):
            for half in (5.0, 10.0, 15.0):
                for step in range(40, 80, 2):
                    value, rates = score(cov, rel, half, step / 100)
                    results.append((value, cov, rel, half, step / 100, rates))
    results.sort(key=lambda r: -r[0])

    def show(label: str, r: tuple) -> None:  # type: ignore[type-arg]
        value, cov, rel, half, answer, rates = r
        parts = "  ".join(f"{k} {v:.3f}" for k, v in sorted(rates.items()))
        print(
            f"{label:<8} {value:.3f}  COVERAGE_SHARE={cov} RELATIVE_SHARE={rel} "
            f"STRENGTH_HALF={half} ANSWER={answer}   {parts}"
        )

    for r in results[:10]:
        show("best", r)
    current = (
        settings.COVERAGE_SHARE,
        settings.RELATIVE_SHARE,
        settings.STRENGTH_HALF,
        settings.ANSWER,
    )
    show("current", (score(*current)[0], *current, score(*current)[1]))


if __name__ == "__main__":
    main()
