"""Policy search: accuracy on the dev file (and our own held-out questions), then latency,
build time and memory at 10,000 entries — for the matcher and, in the same run, a baseline of
rank_bm25's BM25Okapi over plain jieba tokens of the same entries.

    .venv/bin/python bench/search.py [--dev ../shared/eval/policy_dev.tsv] [--size 10000]

top-1 = answered and right (the matcher answers only above its calibrated threshold);
ranked top-1 = the best-ranked entry is right, no threshold; top-3 = the right entry is among
the first three shown (answer + suggestions) or ranked; rejection = out-of-scope questions
with no answer. The baseline answers when its best BM25 score reaches a fixed threshold,
chosen on the same file to maximise (right answers + rejections): an oracle choice that
favours the baseline.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jieba  # noqa: E402
from rank_bm25 import BM25Okapi  # noqa: E402

from bot.config import SHIPPED_CONTENT  # noqa: E402
from bot.knowledge import Entry, Library  # noqa: E402
from bot.knowledge.analyzer import fold  # noqa: E402

jieba.setLogLevel(60)
PUNCT = set(" \t\n，。？！、：；“”‘’（）()《》〈〉【】[],.?!:;\"'…—-·/")


# -- the baseline ------------------------------------------------------------------------------


def plain_tokens(text: str) -> list[str]:
    return [t for t in jieba.lcut(fold(text)) if t.strip() and t not in PUNCT]


class Baseline:
    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = list(entries)
        corpus = [
            plain_tokens(" ".join([e.title, *e.questions, *e.keywords, e.body]))
            for e in self.entries
        ]
        self.bm25 = BM25Okapi(corpus)

    def rank(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        scores = self.bm25.get_scores(plain_tokens(text))
        order = sorted(range(len(scores)), key=lambda i: -scores[i])[:k]
        return [(self.entries[i].id, float(scores[i])) for i in order]

    def top1(self, text: str) -> tuple[str, float]:
        scores = self.bm25.get_scores(plain_tokens(text))
        best = int(scores.argmax())
        return self.entries[best].id, float(scores[best])


# -- accuracy ----------------------------------------------------------------------------------


@dataclass
class Accuracy:
    top1: float  # answered, and answered right (a threshold applies)
    ranked1: float  # the best-ranked entry is right (no threshold)
    top3: float  # the right entry is among the first three shown / ranked
    rejection: float  # out-of-scope questions that got no answer
    n_in: int
    n_out: int

    def row(self, name: str) -> str:
        return (
            f"  {name:<26} top-1 {self.top1:6.1%}   ranked top-1 {self.ranked1:6.1%}   "
            f"top-3 {self.top3:6.1%}   rejection {self.rejection:6.1%}"
        )


def read_tsv(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            question, expect = line.split("\t")[:2]
            rows.append((question.strip(), expect.strip()))
    return rows


def matcher_accuracy(library: Library, rows: list[tuple[str, str]]) -> Accuracy:
    inside = [(q, e) for q, e in rows if e != "-"]
    outside = [q for q, e in rows if e == "-"]
    top1 = ranked1 = top3 = 0
    for q, expect in inside:
        result = library.search(q)
        shown = ([result.answer] if result.answer else []) + result.suggestions
        top1 += result.answer is not None and result.answer.entry.id == expect
        top3 += expect in [h.entry.id for h in shown[:3]]
        ranked = library.rank(q, 1)
        ranked1 += bool(ranked) and ranked[0].entry.id == expect
    rejected = sum(1 for q in outside if library.search(q).answer is None)
    n = max(len(inside), 1)
    return Accuracy(
        top1 / n, ranked1 / n, top3 / n, rejected / max(len(outside), 1), len(inside), len(outside)
    )


def baseline_threshold(base: Baseline, rows: list[tuple[str, str]]) -> float:
    ranked = [(base.top1(q), e) for q, e in rows]
    candidates = sorted({s for (_, s), _ in ranked}) + [float("inf")]
    best, best_value = 0.0, -1
    for t in [0.0, *candidates]:
        value = sum(
            (e == "-" and s < t) or (e != "-" and s >= t and i == e) for (i, s), e in ranked
        )
        if value > best_value:
            best, best_value = t, value
    return best


def baseline_accuracy(base: Baseline, rows: list[tuple[str, str]], threshold: float) -> Accuracy:
    inside = [(q, e) for q, e in rows if e != "-"]
    outside = [q for q, e in rows if e == "-"]
    best = [(base.top1(q), e) for q, e in inside]
    ranked1 = sum(1 for (i, _), e in best if i == e)
    top1 = sum(1 for (i, s), e in best if i == e and s >= threshold)
    top3 = sum(1 for q, e in inside if e in [i for i, _ in base.rank(q, 3)])
    rejected = sum(1 for q in outside if base.top1(q)[1] < threshold)
    n = max(len(inside), 1)
    return Accuracy(
        top1 / n, ranked1 / n, top3 / n, rejected / max(len(outside), 1), len(inside), len(outside)
    )


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


# -- scale -------------------------------------------------------------------------------------


def synthetic_library(real: Sequence[Entry], size: int, seed: int = 7) -> list[Entry]:
    """Entries built from the real library's words plus jieba's common words, Zipf-weighted."""
    rng = random.Random(seed)
    domain: list[str] = []
    for e in real:
        for text in (e.title, *e.questions, *e.keywords, e.body):
            domain.extend(plain_tokens(text))
    domain_words = sorted(set(domain))
    tk = jieba.dt
    tk.check_initialized()
    common = sorted(
        (w for w, f in tk.FREQ.items() if f > 0 and len(w) > 1), key=lambda w: -tk.FREQ[w]
    )
    vocab = domain_words + common[:30000]
    weights = [1.0 / (rank + 10) for rank in range(len(vocab))]
    rng.shuffle(vocab)  # decouple frequency from which list a word came from

    def text(low: int, high: int) -> str:
        return "".join(rng.choices(vocab, weights, k=rng.randint(low, high)))

    entries = []
    for i in range(size):
        entries.append(
            Entry(
                id=f"syn-{i}",
                title=text(3, 6),
                category="零售户",
                questions=tuple(text(3, 8) for _ in range(5)),
                keywords=tuple(text(1, 1) for _ in range(4)),
                source="synthetic",
                updated="2026-12-02",
                body=text(60, 140),
            )
        )
    return entries


def build(make: Callable[[], object]) -> tuple[object, float, float]:
    """(object, seconds, MiB still allocated after the build)."""
    gc.collect()
    start = time.perf_counter()
    obj = make()
    seconds = time.perf_counter() - start
    del obj
    gc.collect()
    tracemalloc.start()
    obj = make()
    gc.collect()
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return obj, seconds, current / 2**20


def latencies(run: Callable[[str], object], queries: Sequence[str]) -> tuple[float, float]:
    times = []
    for q in queries:
        start = time.perf_counter()
        run(q)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "policy_dev.tsv"
    )
    parser.add_argument(
        "--heldout", type=Path, default=ROOT / "tests" / "knowledge" / "data" / "heldout.tsv"
    )
    parser.add_argument("--content", type=Path, default=SHIPPED_CONTENT)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1_000)
    args = parser.parse_args()

    start = time.perf_counter()
    library = Library.load(args.content)
    print(
        f"library: {len(library.entries)} entries, loaded in {time.perf_counter() - start:.2f} s (jieba included)"
    )
    baseline = Baseline(library.entries)

    print("\naccuracy")
    for name, path in (("dev", args.dev), ("held-out (ours)", args.heldout)):
        if not path.is_file():
            print(f"  {name}: {path} not found")
            continue
        rows = read_tsv(path)
        mine = matcher_accuracy(library, rows)
        threshold = baseline_threshold(baseline, rows)
        base = baseline_accuracy(baseline, rows, threshold)
        print(f" {name}: {path} ({mine.n_in} in scope, {mine.n_out} out of scope)")
        print(mine.row("matcher"))
        print(base.row(f"baseline (reject < {threshold:.2f})"))
        print(
            f"  {'ratio matcher/baseline':<26} top-1 {ratio(mine.top1, base.top1):>6}   "
            f"ranked top-1 {ratio(mine.ranked1, base.ranked1):>6}   "
            f"top-3 {ratio(mine.top3, base.top3):>6}   "
            f"rejection {ratio(mine.rejection, base.rejection):>6}"
        )

    print(f"\nscale: synthetic library of {args.size} entries")
    entries = synthetic_library(library.entries, args.size)
    rng = random.Random(11)
    queries = [q for q, _ in read_tsv(args.dev)] if args.dev.is_file() else []
    while len(queries) < args.queries:
        e = rng.choice(entries)
        q = rng.choice(e.questions)
        cut = rng.randint(0, max(len(q) - 4, 0))
        queries.append(q[cut:] + rng.choice(("怎么办", "吗", "是什么", "要注意什么", "")))
    big, m_build, m_mem = build(lambda: Library(entries, library.analyzer))
    assert isinstance(big, Library)
    big.search(queries[0])
    m50, m99 = latencies(big.search, queries)
    print(
        f"  matcher   build {m_build:6.2f} s   memory {m_mem:7.1f} MiB   p50 {m50:6.3f} ms   p99 {m99:6.3f} ms"
    )
    del big
    gc.collect()
    base_big, b_build, b_mem = build(lambda: Baseline(entries))
    assert isinstance(base_big, Baseline)
    b50, b99 = latencies(base_big.top1, queries)
    print(
        f"  baseline  build {b_build:6.2f} s   memory {b_mem:7.1f} MiB   p50 {b50:6.3f} ms   p99 {b99:6.3f} ms"
    )
    print(
        f"  baseline/matcher latency: p50 {ratio(b50, m50)}, p99 {ratio(b99, m99)}   "
        f"(target: matcher p99 < 5 ms: {'met' if m99 < 5 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
