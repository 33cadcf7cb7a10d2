"""The policy library: entries loaded once at start-up and a matcher over them.

`Library.load(content_dir)` reads content/policies/*.md and content/dict/, builds the index and
returns a read-only object that is safe to share between threads (and is cached per content
state, so building services again costs nothing). `library.search(text)` returns an answer when
the best entry is a confident match, else up to 3 suggestions, else nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.content import Folders, layers, log_problems
from bot.knowledge.analyzer import Analyzer
from bot.knowledge.entries import (
    Entry,
    dict_dir,
    dict_files,
    load_entries,
    policy_files,
    read_all_synonyms,
)
from bot.knowledge.index import Field, Index

log = logging.getLogger(__name__)

# Field weights: what people ask (title, alternative questions) counts most, then keywords,
# then the answer text.
WORD_FIELDS = (
    Field("title", 3.0, 0.5),
    Field("questions", 3.0, 0.3),
    Field("keywords", 2.0, 0.3),
    Field("body", 1.0, 0.75),
)
BIGRAM_FIELD = Field("bigrams", 0.35, 0.3)

# Calibrated on the entries' own phrasings, a held-out question set and off-topic chat
# (see bench/search.py): a confidence of at least ANSWER gives an answer; from SUGGEST up,
# the best entries are offered as suggestions; below SUGGEST nothing is said.
ANSWER = 0.58
SUGGEST = 0.4
MAX_SUGGESTIONS = 3
COVERAGE_SHARE = 0.3
STRENGTH_HALF = 10.0  # the BM25F score that counts as half-strength
UNKNOWN_WEIGHT = 0.5


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float


@dataclass(frozen=True)
class SearchResult:
    answer: Hit | None
    suggestions: list[Hit] = field(default_factory=list)


@dataclass(frozen=True)
class Query:
    words: list[str]
    bigrams: list[str]


class Library:
    def __init__(self, entries: Sequence[Entry], analyzer: Analyzer) -> None:
        self.entries = list(entries)
        self.analyzer = analyzer
        self.by_id = {e.id: e for e in self.entries}
        docs = [self._doc(e) for e in self.entries]
        self.index = Index(docs, WORD_FIELDS, BIGRAM_FIELD)

    def _doc(self, entry: Entry) -> dict[str, list[str]]:
        doc: dict[str, list[str]] = {"title": [], "questions": [], "keywords": [], "body": []}
        bigrams: list[str] = []
        parts: Iterable[tuple[str, str]] = (
            [("title", entry.title)]
            + [("questions", q) for q in entry.questions]
            + [("keywords", k) for k in entry.keywords]
            + [("body", entry.body)]
        )
        for name, text in parts:
            words, grams = self.analyzer.terms(text)
            doc[name].extend(words)
            if name != "body":
                bigrams.extend(grams)
        doc["bigrams"] = bigrams
        return doc

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def load(cls, content: Folders) -> Library:
        """Read the library from one content folder or several in layers (cached while the
        files stay the same). A broken entry or dictionary is skipped with one log line naming
        it and the reason; `validate()` reports everything."""
        key = _fingerprint(content)
        with _cache_lock:
            cached = _cache.get(key)
        if cached is not None:
            return cached
        skipped: list[Path] = []
        entries, errors = load_entries(content, skipped)
        synonyms, dict_errors = read_all_synonyms(content)
        log_problems("policy library", [*errors, *dict_errors], skipped)
        library = cls(entries, Analyzer(dict_files(content, "userdict.txt"), synonyms))
        with _cache_lock:
            if len(_cache) > 8:
                _cache.clear()
            _cache[key] = library
        return library

    def get(self, entry_id: str) -> Entry | None:
        return self.by_id.get(entry_id)

    # -- matching --------------------------------------------------------------------------
    def query(self, text: str) -> Query:
        words, bigrams = self.analyzer.terms(text[:200])
        return Query(words, bigrams)

    def rank(self, text: str, k: int = MAX_SUGGESTIONS) -> list[Hit]:
        """The k best entries by BM25F, each with its calibrated confidence as the score."""
        q = self.query(text)
        if not q.words and not q.bigrams:
            return []
        top = self.index.top(q.words, q.bigrams, k)
        return [Hit(self.entries[doc], self._confidence(q, doc, raw)) for doc, raw in top]

    def _confidence(self, q: Query, doc: int, raw: float) -> float:
        """0..1: how strongly the entry matches (saturated BM25F) and how much of the
        question's information it covers (unknown words count half)."""
        cov = self.index.coverage(doc, q.words, UNKNOWN_WEIGHT) if q.words else 0.0
        strength = raw / (raw + STRENGTH_HALF)
        return round(COVERAGE_SHARE * cov + (1.0 - COVERAGE_SHARE) * strength, 4)

    def search(self, text: str) -> SearchResult:
        """An answer when the best entry's confidence reaches ANSWER (with up to 2 runners-up
        as suggestions), else up to 3 suggestions from SUGGEST up, else nothing."""
        hits = self.rank(text, MAX_SUGGESTIONS)
        if hits and hits[0].score >= ANSWER:
            return SearchResult(hits[0], [h for h in hits[1:] if h.score >= SUGGEST])
        return SearchResult(None, [h for h in hits if h.score >= SUGGEST])


_cache: dict[tuple[object, ...], Library] = {}
_cache_lock = threading.Lock()


def _fingerprint(content: Folders) -> tuple[object, ...]:
    """The content as it is on disk now: every policy and dictionary file's size and mtime."""
    roots = layers(content)
    files = [p for _, p in policy_files(content)] + sorted(
        p for root in roots for p in dict_dir(root).glob("*") if p.is_file()
    )
    stats = []
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue
        stats.append((str(path), st.st_size, st.st_mtime_ns))
    return (tuple(str(r.resolve()) for r in roots), tuple(stats))
