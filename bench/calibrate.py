"""Calibrate the matcher's confidence on the development sets, and print the best settings.

    .venv/bin/python bench/calibrate.py [--dev ../shared/eval/policy_dev.tsv]

The development sets: leave-one-out over the entries' own phrasings (loo), the dev file (dev),
the look-alike sets (tests/knowledge/data/lookalike_dev.tsv and lookalike_dev2.tsv: look,
look2), the member-style sets 2 and 3 (dev2.tsv, dev3.tsv) and the off-topic list (offtopic.txt);
the out-of-scope questions of each set form a set of their own (look-out, dev3-out …). Never a
held-out set: those are only measured (bench/search.py).

Each question is asked once: the library's own `candidates` give the best entry and the
runner-up exactly as `Library.search` orders them (BM25F pool, second stage by the nearest
phrasing, gates), with the parts of their confidence. For each setting of COVERAGE_SHARE,
RELATIVE_SHARE, NEAREST_SHARE, STRENGTH_HALF, STRANGE_FACTOR (it scales every candidate of a
question alike, so it never reorders them) and ANSWER the decision is replayed with the
library's `confidence`, `strange_gate` and `asks_back`: ask back when the runner-up is a close sibling (the
answer when the question names one alternative), else answer when the best entry's confidence
reaches ANSWER. Before the grid, the replay with the current constants is checked against
`Library.search` on every question of the sets (not leave-one-out). Each setting scores

    in scope: (answered right − answered wrong) / questions, averaged over the sets with
              WEIGHTS (the large sets loo, dev2, dev3 count 2, the small ones 1);
              asking back counts 0
    + out of scope: (rejected − answered or asked back) / questions, averaged over the sets

A wrong answer costs as much as a right one gains (store owners act on the answers; a
question without an answer still gets suggestions or 转人工).

It prints the five best settings; the five best "kept" ones, that reject at least FLOOR of
every out-of-scope set and answer no in-scope set worse than the current constants; and the
current one, each with its top-1 and rejection per set. The constants in
bot/knowledge/library.py are set by hand from this: a change only for a kept setting.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search import read_tsv  # noqa: E402
from bot.config import SHIPPED_CONTENT  # noqa: E402
from bot.knowledge import Library  # noqa: E402
from bot.knowledge import library as settings  # noqa: E402
from bot.knowledge.analyzer import Analyzer  # noqa: E402
from bot.knowledge.library import asks_back, confidence, strange_gate  # noqa: E402

ASK = "?"  # the replayed decision asked back
WEIGHTS = {"loo": 2.0, "dev2": 2.0, "dev3": 2.0, "dev": 1.0, "look": 1.0, "look2": 1.0}
FLOOR = 0.97  # rejection every out-of-scope set must keep

# (entry id, coverage, relative score, BM25F, nearest phrasing's cosine, the entry's gates)
Parts = tuple[str, float, float, float, float, float]
# COVERAGE_SHARE, RELATIVE_SHARE, NEAREST_SHARE, STRENGTH_HALF, STRANGE_FACTOR
Shares = tuple[float, float, float, float, float]


@dataclass(frozen=True)
class Case:
    expect: str  # entry id, or "-" when out of scope
    best: Parts | None
    runner: Parts | None
    strange: bool  # the question names a thing the library has never heard of
    # when the runner-up is a sibling of the best entry: what asking back gives (the entry the
    # question names, or ASK)
    ask: str | None


def case(library: Library, text: str, expect: str) -> Case:
    q = library.query(text)
    cands = library.candidates(q, 2)
    parts = [
        (library.entries[c.doc].id, *library.parts(q, c), c.raw, c.near, library.gates(q, c.doc))
        for c in cands
    ]
    best = parts[0] if parts else None
    runner = parts[1] if len(parts) > 1 else None
    ask = None
    if best is not None and runner is not None:
        entry = library.entries[cands[0].doc]
        if runner[0] in entry.siblings:
            result = library.ask_back(q, entry)
            ask = result.answer.entry.id if result.answer is not None else ASK
    return Case(expect, best, runner, bool(q.strange), ask)


def settle(c: Case, shares: Shares) -> tuple[str | None, float]:
    """(what is said whatever ANSWER is: the entry or ASK when asking back, None when nothing
    matched; else the best entry), and the best entry's confidence."""
    if c.best is None:
        return None, 0.0
    *blend, strange = shares

    def conf(p: Parts) -> float:
        return confidence(*p[1:5], strange_gate(p[5], c.strange, strange), *blend)

    best = conf(c.best)
    if c.ask is not None and c.runner is not None and asks_back(best, conf(c.runner)):
        return c.ask, 2.0  # above any ANSWER
    return c.best[0], best


def replay(c: Case, shares: Shares, answer: float) -> str | None:
    """The entry answered, ASK, or None."""
    said, conf = settle(c, shares)
    return said if conf >= answer else None


def searched(library: Library, text: str) -> str | None:
    """What Library.search does, in replay's terms."""
    result = library.search(text)
    if result.choices:
        return ASK
    return result.answer.entry.id if result.answer is not None else None


def cached(analyzer: Analyzer) -> Analyzer:
    """The analyzer with its terms remembered (leave-one-out analyzes the same texts again)."""
    terms = functools.cache(analyzer.terms)

    def remembered(text: str) -> tuple[list[str], list[str]]:
        words, bigrams = terms(text)
        return list(words), list(bigrams)

    analyzer.terms = remembered  # type: ignore[method-assign]
    return analyzer


def leave_one_out(library: Library) -> Iterator[tuple[Library, str, str]]:
    entries = library.entries
    analyzer = cached(library.analyzer)
    for i, entry in enumerate(entries):
        for j, question in enumerate(entry.questions):
            rest = entry.questions[:j] + entry.questions[j + 1 :]
            others = [*entries[:i], dataclasses.replace(entry, questions=rest), *entries[i + 1 :]]
            yield Library(others, analyzer, library.foreign, library.anchors), question, entry.id


@dataclass
class Result:
    value: float
    shares: Shares
    answer: float
    rates: dict[str, float]  # top-1 (in scope) or rejection (out of scope) per set

    def row(self, label: str) -> str:
        cov, rel, near, half, strange = self.shares
        parts = "  ".join(f"{k} {v:.1%}" for k, v in sorted(self.rates.items()))
        return (
            f"{label:<8} {self.value:.3f}  COVERAGE_SHARE={cov} RELATIVE_SHARE={rel} "
            f"NEAREST_SHARE={near} STRENGTH_HALF={half} STRANGE_FACTOR={strange} "
            f"ANSWER={self.answer}\n"
            f"         {parts}"
        )


def scores(sets: dict[str, list[Case]], shares: Shares, answers: list[float]) -> list[Result]:
    settled = {
        name: [(c.expect, *settle(c, shares)) for c in cases] for name, cases in sets.items()
    }
    results = []
    for answer in answers:
        values, rates = {}, {}
        for name, rows in settled.items():
            value = good = 0
            for expect, said, conf in rows:
                if conf < answer:
                    said = None
                if expect == "-":
                    value += 1 if said is None else -1
                    good += said is None
                elif said is not None and said != ASK:
                    value += 1 if said == expect else -1
                    good += said == expect
            values[name] = value / len(rows)
            rates[name] = good / len(rows)
        inside = [n for n in WEIGHTS if n in values]
        outside = [n for n in values if n.endswith("-out")]
        value = sum(values[n] * WEIGHTS[n] for n in inside) / sum(WEIGHTS[n] for n in inside)
        value += sum(values[n] for n in outside) / max(len(outside), 1)
        results.append(Result(value, shares, answer, rates))
    return results


def main() -> None:
    data = ROOT / "tests" / "knowledge" / "data"
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "policy_dev.tsv"
    )
    parser.add_argument("--content", type=Path, default=SHIPPED_CONTENT)
    parser.add_argument("--no-loo", action="store_true", help="skip leave-one-out (quicker)")
    args = parser.parse_args()
    library = Library.load(args.content)
    sets: dict[str, list[Case]] = {}
    current: Shares = (
        settings.COVERAGE_SHARE,
        settings.RELATIVE_SHARE,
        settings.NEAREST_SHARE,
        settings.STRENGTH_HALF,
        settings.STRANGE_FACTOR,
    )
    mismatches = 0

    def add(name: str, c: Case) -> None:
        sets.setdefault(name if c.expect != "-" else name + "-out", []).append(c)

    files = (
        ("dev", args.dev),
        ("dev2", data / "dev2.tsv"),
        ("dev3", data / "dev3.tsv"),
        ("look", data / "lookalike_dev.tsv"),
        ("look2", data / "lookalike_dev2.tsv"),
        ("off", data / "offtopic.txt"),
    )
    for name, path in files:
        if not path.is_file():
            print(f"{name}: {path} not found")
            continue
        for question, expect in read_tsv(path):
            c = case(library, question, expect)
            if replay(c, current, settings.ANSWER) != searched(library, question):
                mismatches += 1
                print(f"replay differs from Library.search: {question}")
            add(name, c)
    print(f"replay with the current constants = Library.search: {mismatches} differences")
    if not args.no_loo:
        for lib, question, expect in leave_one_out(library):
            add("loo", case(lib, question, expect))

    answers = [step / 100 for step in range(40, 80, 2)]
    results = []
    for cov, rel, near, half, strange in itertools.product(
        (0.0, 0.1, 0.2, 0.3, 0.4),
        (0.0, 0.1, 0.2, 0.3),
        (0.0, 0.1, 0.2, 0.3),
        (5.0, 10.0, 15.0),
        (0.6, 0.7, 0.8, 0.9),
    ):
        results.extend(scores(sets, (cov, rel, near, half, strange), answers))
    results.sort(key=lambda r: -r.value)
    now = scores(sets, current, [settings.ANSWER])[0]

    for r in results[:5]:
        print(r.row("best"))
    # the acceptance rule: every out-of-scope set keeps FLOOR, no in-scope set gets worse
    kept = [
        r
        for r in results
        if all(v >= FLOOR for n, v in r.rates.items() if n.endswith("-out"))
        and all(r.rates[n] >= now.rates[n] for n in WEIGHTS if n in now.rates)
    ]
    for r in kept[:5]:
        print(r.row("kept"))
    print(now.row("current"))


if __name__ == "__main__":
    main()
