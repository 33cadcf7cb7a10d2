"""BM25F over an inverted index: one posting list per term, weights precomputed at build time.

Word fields (title, questions, keywords, body) are combined BM25F-style: each field's term
frequency is length-normalized and weighted, summed, then saturated once. Character bigrams
are a separate BM25 field with its own document frequencies. Every (term, document) weight is
known when the index is built, so a query only walks the posting lists of its own terms and
adds numbers: the cost grows with how many documents share the query's words, not with the
size of the library. Terms go rarest-impact-first, and once no document outside the current
candidates could still reach the top k (MaxScore), the long posting lists of common terms are
only probed for those few candidates instead of being walked.
"""

from __future__ import annotations

import heapq
import math
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

K1 = 1.2
LARGE = 1000  # from this many documents on, a term found in over half of them is skipped
PROBE_CHECK = 3000  # look for the MaxScore switch while there are at most this many candidates


@dataclass(frozen=True)
class Field:
    name: str
    weight: float
    b: float


@dataclass
class Posting:
    docs: array  # sorted document numbers
    weights: array  # the term's score contribution in each document
    max: float  # the largest weight: the most this term can add to any document

    def weight_of(self, doc: int) -> float:
        i = bisect_left(self.docs, doc)
        if i < len(self.docs) and self.docs[i] == doc:
            return float(self.weights[i])
        return 0.0


def idf(n_docs: int, df: int) -> float:
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


class Index:
    """Documents are numbered 0..n-1; each is a mapping field name -> list of terms."""

    def __init__(
        self,
        docs: Sequence[Mapping[str, Sequence[str]]],
        fields: Sequence[Field],
        bigram_field: Field | None = None,
    ) -> None:
        self.n = len(docs)
        self.fields = tuple(fields)
        self.bigram_field = bigram_field
        self.words: dict[str, Posting] = {}
        self.bigrams: dict[str, Posting] = {}
        self.word_idf: dict[str, float] = {}
        self.bigram_idf: dict[str, float] = {}
        self._build_words(docs)
        if bigram_field is not None:
            self._build_bigrams(docs, bigram_field)
        n = max(self.n, 1)
        self.unknown_idf = idf(n, 0)

    def _build_words(self, docs: Sequence[Mapping[str, Sequence[str]]]) -> None:
        avg = {
            f.name: (sum(len(d.get(f.name, ())) for d in docs) / self.n if self.n else 0.0) or 1.0
            for f in self.fields
        }
        # term -> doc -> normalized, weighted tf summed over fields
        tf: dict[str, dict[int, float]] = {}
        for number, doc in enumerate(docs):
            for f in self.fields:
                terms = doc.get(f.name, ())
                if not terms:
                    continue
                norm = 1.0 - f.b + f.b * len(terms) / avg[f.name]
                for term, count in Counter(terms).items():
                    per_doc = tf.setdefault(term, {})
                    per_doc[number] = per_doc.get(number, 0.0) + f.weight * count / norm
        for term, per_doc in tf.items():
            weight = idf(self.n, len(per_doc))
            self.word_idf[term] = weight
            self.words[term] = _posting(per_doc, weight)

    def _build_bigrams(self, docs: Sequence[Mapping[str, Sequence[str]]], f: Field) -> None:
        lengths = [len(d.get(f.name, ())) for d in docs]
        avg = (sum(lengths) / self.n if self.n else 0.0) or 1.0
        tf: dict[str, dict[int, float]] = {}
        for number, doc in enumerate(docs):
            norm = 1.0 - f.b + f.b * lengths[number] / avg
            for term, count in Counter(doc.get(f.name, ())).items():
                tf.setdefault(term, {})[number] = count / norm
        for term, per_doc in tf.items():
            weight = idf(self.n, len(per_doc))
            self.bigram_idf[term] = weight
            self.bigrams[term] = _posting(per_doc, weight * f.weight)

    def _postings(self, words: Iterable[str], bigrams: Iterable[str]) -> list[Posting]:
        postings = [self.words[t] for t in set(words) if t in self.words]
        postings += [self.bigrams[t] for t in set(bigrams) if t in self.bigrams]
        if self.n >= LARGE:  # in a large library, terms in most documents are stop words
            postings = [p for p in postings if len(p.docs) <= self.n // 2]
        return postings

    def ideal(self, words: Iterable[str], bigrams: Iterable[str]) -> float:
        """The score of a document that matched every query term as well as any document
        does: the most the query can score."""
        return sum(p.max for p in self._postings(words, bigrams))

    def top(self, words: Iterable[str], bigrams: Iterable[str], k: int) -> list[tuple[int, float]]:
        """The k best (document number, BM25F score), best first (ties: lower number first).
        The same as scoring every document: pruning only drops documents that can no longer
        reach the top k (apart from the stop-word rule for large libraries)."""
        postings = self._postings(words, bigrams)
        if not postings or k <= 0:
            return []
        postings.sort(key=lambda p: -p.max)
        remaining = sum(p.max for p in postings)
        acc: dict[int, float] = {}
        get = acc.get
        probing = False
        for posting in postings:
            remaining -= posting.max
            if not probing and k <= len(acc) <= PROBE_CHECK and len(posting.docs) > 64:
                theta = heapq.nlargest(k, acc.values())[-1]
                probing = posting.max + remaining < theta  # no newcomer can reach the top k
            if probing:
                theta = heapq.nlargest(k, acc.values())[-1]
                reach = posting.max + remaining
                acc = {d: v for d, v in acc.items() if v + reach >= theta}
                for doc in acc:
                    weight = posting.weight_of(doc)
                    if weight:
                        acc[doc] += weight
                get = acc.get
                continue
            if not acc:
                acc = dict(zip(posting.docs, posting.weights, strict=True))
                get = acc.get
                continue
            for doc, w in zip(posting.docs, posting.weights, strict=True):
                acc[doc] = get(doc, 0.0) + w
        return heapq.nsmallest(k, acc.items(), key=lambda kv: (-kv[1], kv[0]))

    def coverage(self, doc: int, words: Iterable[str], unknown: float = 0.5) -> float:
        """The share of the query's word information (idf mass) that this document contains;
        a word the library has never seen counts `unknown` times the rarest word's idf."""
        total = matched = 0.0
        for term in set(words):
            weight = self.word_idf.get(term, self.unknown_idf * unknown)
            total += weight
            posting = self.words.get(term)
            if posting is not None and posting.weight_of(doc) > 0:
                matched += weight
        return matched / total if total else 0.0


def _posting(per_doc: dict[int, float], term_idf: float) -> Posting:
    docs = array("i")
    weights = array("f")
    for doc in sorted(per_doc):
        t = per_doc[doc]
        docs.append(doc)
        weights.append(term_idf * t * (K1 + 1.0) / (K1 + t))
    return Posting(docs, weights, max(weights, default=0.0))
