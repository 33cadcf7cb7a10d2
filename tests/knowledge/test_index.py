"""The inverted index gives the same top k as scoring every document by hand."""

from __future__ import annotations

import math
import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge.index import K1, Field, Index, idf

FIELDS = (Field("title", 3.0, 0.5), Field("body", 1.0, 0.75))
BIGRAMS = Field("bigrams", 0.35, 0.3)


def brute_force(
    docs: list[dict[str, list[str]]], words: list[str], bigrams: list[str]
) -> dict[int, float]:
    n = len(docs)
    avg = {f.name: sum(len(d[f.name]) for d in docs) / n or 1.0 for f in FIELDS}
    avg_b = sum(len(d["bigrams"]) for d in docs) / n or 1.0
    out: dict[int, float] = {}
    for term in set(words):
        df = sum(1 for d in docs if any(term in d[f.name] for f in FIELDS))
        for i, d in enumerate(docs):
            tf = sum(
                f.weight * Counter(d[f.name])[term] / (1 - f.b + f.b * len(d[f.name]) / avg[f.name])
                for f in FIELDS
            )
            if tf:
                out[i] = out.get(i, 0.0) + idf(n, df) * tf * (K1 + 1) / (K1 + tf)
    for term in set(bigrams):
        df = sum(1 for d in docs if term in d["bigrams"])
        for i, d in enumerate(docs):
            tf = Counter(d["bigrams"])[term] / (
                1 - BIGRAMS.b + BIGRAMS.b * len(d["bigrams"]) / avg_b
            )
            if tf:
                out[i] = out.get(i, 0.0) + BIGRAMS.weight * idf(n, df) * tf * (K1 + 1) / (K1 + tf)
    return out


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 5))
def test_top_k_matches_brute_force(seed: int, k: int) -> None:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(40)]
    weights = [1 / (i + 1) for i in range(40)]
    docs = [
        {
            "title": rng.choices(vocab, weights, k=rng.randint(1, 4)),
            "body": rng.choices(vocab, weights, k=rng.randint(0, 30)),
            "bigrams": rng.choices(vocab[:20], k=rng.randint(0, 6)),
        }
        for _ in range(rng.randint(1, 300))
    ]
    index = Index(docs, FIELDS, BIGRAMS)
    words = rng.choices(vocab + ["unknown"], k=rng.randint(1, 8))
    bigrams = rng.choices(vocab[:20], k=rng.randint(0, 4))
    expected = sorted(brute_force(docs, words, bigrams).items(), key=lambda kv: (-kv[1], kv[0]))
    got = index.top(words, bigrams, k)
    assert len(got) == min(k, len(expected))
    for (doc, score), (_, want) in zip(got, expected, strict=False):
        assert math.isclose(score, want, rel_tol=1e-4)
        assert math.isclose(brute_force(docs, words, bigrams)[doc], want, rel_tol=1e-4)


def test_coverage_counts_unknown_words_at_half_weight() -> None:
    docs = [{"title": ["党费"], "body": []}, {"title": ["党员"], "body": []}]
    index = Index(docs, FIELDS)
    assert index.coverage(0, ["党费"]) == 1.0
    assert index.coverage(1, ["党费"]) == 0.0
    partial = index.coverage(0, ["党费", "烟花"])
    assert 0 < partial < 1
    assert math.isclose(
        partial, index.word_idf["党费"] / (index.word_idf["党费"] + index.unknown_idf / 2)
    )
