"""Policy search: accuracy on question sets, then latency, build time and memory at 10,000
entries — for the matcher and, in the same run, a baseline of rank_bm25's BM25Okapi over plain
jieba tokens of the same entries.

    .venv/bin/python bench/search.py [--dev ../shared/eval/policy_dev.tsv] [--size 10000]
    .venv/bin/python bench/search.py --size 0 --no-loo      # accuracy only, in seconds
    .venv/bin/python bench/search.py --set mine=questions.tsv

Question sets: a TSV `question<TAB>expected id` (`-` = out of scope, must get no answer; lines
starting with # are comments) or a .txt file of out-of-scope questions, one per line. Run by
default: the dev file, our held-out set (tests/knowledge/data/heldout.tsv), the look-alike and
off-topic development sets (tuned on), the never-tuned held-out set heldout2.tsv when it exists
(checked against the targets), and leave-one-out over the entries' own phrasings (each
phrasing is taken out of its entry and asked).

top-1 = answered and right (the matcher answers only above its calibrated threshold); asked =
the matcher asked back and the right entry is one of the options; ranked top-1 = the
best-ranked entry is right, no threshold; top-3 = the right entry is shown (the answer, an
option of the clarifying question, or one of up to 3 suggestions) or ranked in the first three;
rejection = out-of-scope questions with no answer and no clarifying question. The baseline
answers when its best BM25 score reaches a fixed threshold, chosen on the same file to
maximise (right answers + rejections): an oracle choice that favours the baseline.
"""

from __future__ import annotations

import argparse
import dataclasses
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


TARGETS = {"top1": 0.95, "top3": 0.99, "rejection": 0.95}  # issue 13, on unseen questions


@dataclass
class Accuracy:
    top1: float  # answered, and answered right (a threshold applies)
    ranked1: float  # the best-ranked entry is right (no threshold)
    top3: float  # the right entry is shown (answer, clarifying options, suggestions) / ranked
    rejection: float  # out-of-scope questions that got no answer (and were not asked back)
    n_in: int
    n_out: int
    asked: float = 0.0  # asked back, with the right entry among the options

    def row(self, name: str) -> str:
        parts = []
        if self.n_in:
            parts.append(
                f"top-1 {self.top1:6.1%}   asked {self.asked:5.1%}   "
                f"ranked top-1 {self.ranked1:6.1%}   top-3 {self.top3:6.1%}"
            )
        if self.n_out:
            parts.append(f"rejection {self.rejection:6.1%}")
        return f"  {name:<26} " + "   ".join(parts)

    def against_targets(self) -> str:
        checks = []
        if self.n_in:
            checks.append(f"top-1 {'met' if self.top1 >= TARGETS['top1'] else 'NOT met'}")
            checks.append(f"top-3 {'met' if self.top3 >= TARGETS['top3'] else 'NOT met'}")
        if self.n_out:
            ok = self.rejection >= TARGETS["rejection"]
            checks.append(f"rejection {'met' if ok else 'NOT met'}")
        return "  targets (top-1 ≥ 95%, top-3 ≥ 99%, rejection ≥ 95%): " + ", ".join(checks)


def read_tsv(path: Path) -> list[tuple[str, str]]:
    """A TSV with a header (question, expected id or -), or a .txt of out-of-scope questions."""
    lines = path.read_text(encoding="utf-8").lstrip("\ufeff").splitlines()
    if path.suffix == ".txt":
        return [(line.strip(), "-") for line in lines if line.strip()]
    rows = []
    for line in lines[1:]:
        if line.strip() and not line.startswith("#"):
            question, expect = line.split("\t")[:2]
            rows.append((question.strip(), expect.strip()))
    return rows


def matcher_accuracy(library: Library, rows: list[tuple[str, str]]) -> Accuracy:
    inside = [(q, e) for q, e in rows if e != "-"]
    outside = [q for q, e in rows if e == "-"]
    top1 = ranked1 = top3 = asked = 0
    for q, expect in inside:
        result = library.search(q)
        shown = ([result.answer] if result.answer else []) + result.choices
        shown += result.suggestions[:3]
        top1 += result.answer is not None and result.answer.entry.id == expect
        asked += expect in [h.entry.id for h in result.choices]
        top3 += expect in [h.entry.id for h in shown]
        ranked = library.rank(q, 1)
        ranked1 += bool(ranked) and ranked[0].entry.id == expect
    rejected = 0
    for q in outside:
        result = library.search(q)
        rejected += result.answer is None and not result.choices
    n = max(len(inside), 1)
    return Accuracy(
        top1 / n,
        ranked1 / n,
        top3 / n,
        rejected / max(len(outside), 1),
        len(inside),
        len(outside),
        asked / n,
    )


def leave_one_out(library: Library) -> Accuracy:
    """Each phrasing of each entry, asked of the library with that phrasing taken out."""
    top1 = ranked1 = top3 = asked = n = 0
    entries = library.entries
    for i, entry in enumerate(entries):
        for j, question in enumerate(entry.questions):
            rest = entry.questions[:j] + entry.questions[j + 1 :]
            others = [*entries[:i], dataclasses.replace(entry, questions=rest), *entries[i + 1 :]]
            lib = Library(others, library.analyzer, library.foreign, library.anchors)
            acc = matcher_accuracy(lib, [(question, entry.id)])
            top1 += int(acc.top1)
            ranked1 += int(acc.ranked1)
            top3 += int(acc.top3)
            asked += int(acc.asked)
            n += 1
    n = max(n, 1)
    return Accuracy(top1 / n, ranked1 / n, top3 / n, 0.0, n, 0, asked / n)


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
    data = ROOT / "tests" / "knowledge" / "data"
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "policy_dev.tsv"
    )
    parser.add_argument("--heldout", type=Path, default=data / "heldout.tsv")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="another question set (TSV question<TAB>id, or .txt of out-of-scope questions)",
    )
    parser.add_argument("--no-loo", action="store_true", help="skip leave-one-out")
    parser.add_argument("--content", type=Path, default=SHIPPED_CONTENT)
    parser.add_argument("--size", type=int, default=10_000, help="0 skips the scale part")
    parser.add_argument("--queries", type=int, default=1_000)
    args = parser.parse_args()

    start = time.perf_counter()
    library = Library.load(args.content)
    print(
        f"library: {len(library.entries)} entries, loaded in {time.perf_counter() - start:.2f} s (jieba included)"
    )
    baseline = Baseline(library.entries)

    print("\naccuracy")
    sets: list[tuple[str, Path, bool]] = [  # name, path, checked against the targets
        ("dev", args.dev, False),
        ("held-out (ours)", args.heldout, False),
        ("look-alikes (dev, tuned on)", data / "lookalike_dev.tsv", False),
        ("off-topic (dev, tuned on)", data / "offtopic.txt", False),
    ]
    if (data / "heldout2.tsv").is_file():
        sets.append(("held-out 2 (never tuned)", data / "heldout2.tsv", True))
    for item in args.set:
        name, _, path = item.partition("=")
        sets.append((name, Path(path), True))
    for name, path, check in sets:
        if not path.is_file():
            print(f"  {name}: {path} not found")
            continue
        rows = read_tsv(path)
        mine = matcher_accuracy(library, rows)
        print(f" {name}: {path} ({mine.n_in} in scope, {mine.n_out} out of scope)")
        print(mine.row("matcher"))
        if mine.n_in:
            threshold = baseline_threshold(baseline, rows)
            base = baseline_accuracy(baseline, rows, threshold)
            print(base.row(f"baseline (reject < {threshold:.2f})"))
            print(
                f"  {'ratio matcher/baseline':<26} top-1 {ratio(mine.top1, base.top1):>6}   "
                f"ranked top-1 {ratio(mine.ranked1, base.ranked1):>6}   "
                f"top-3 {ratio(mine.top3, base.top3):>6}   "
                f"rejection {ratio(mine.rejection, base.rejection):>6}"
            )
        if check:
            print(mine.against_targets())
    if not args.no_loo:
        loo = leave_one_out(library)
        print(f" leave-one-out: the entries' own phrasings ({loo.n_in}), each taken out first")
        print(loo.row("matcher"))

    if args.size <= 0:
        return
    print(f"\nscale: synthetic library of {args.size} entries")
    entries = synthetic_library(library.entries, args.size)
    rng = random.Random(11)
    queries = [q for q, _ in read_tsv(args.dev)] if args.dev.is_file() else []
    while len(queries) < args.queries:
        e = rng.choice(entries)
        q = rng.choice(e.questions)
        cut = rng.randint(0, max(len(q) - 4, 0))
        queries.append(q[cut:] + rng.choice(("怎么办", "吗", "是什么", "要注意什么", "")))
    big, m_build, m_mem = build(
        lambda: Library(entries, library.analyzer, library.foreign, library.anchors)
    )
    assert isinstance(big, Library)
    big.search(queries[0])
    m50, m99 = latencies(big.find, queries)  # find: without the memory of recent questions
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
