"""The policy library: entries loaded once at start-up and a matcher over them.

`Library.load(content_dir)` reads content/policies/*.md and content/dict/, builds the index and
returns a read-only object that is safe to share between threads (and is cached per content
state, so building services again costs nothing). `library.search(text)` returns an answer when
the best entry is a confident match, else up to 3 suggestions, else nothing.
"""

from __future__ import annotations

import logging
import math
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.content import Folders, layers, log_problems
from bot.knowledge.analyzer import ASKING, Analyzer, dictionary_nouns, fold
from bot.knowledge.entries import (
    ANCHORS_FILE,
    FOREIGN_FILE,
    Entry,
    dict_dir,
    dict_files,
    group_of,
    load_entries,
    option_order,
    policy_files,
    read_all_rewrites,
    read_all_synonyms,
    read_all_wordlists,
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

# Calibrated by bench/calibrate.py on the development sets (leave-one-out, the dev file, dev2,
# dev3, both look-alike sets, off-topic), replaying search() itself: a confidence of at least
# ANSWER gives an answer; from SUGGEST up, the best entries are offered as suggestions; below
# SUGGEST nothing is said.
ANSWER = 0.58
SUGGEST = 0.4
MAX_SUGGESTIONS = 3
# confidence = COVERAGE_SHARE × coverage + RELATIVE_SHARE × (score / the query's best possible
# score) + NEAREST_SHARE × the nearest phrasing's cosine + the rest × saturated score
COVERAGE_SHARE = 0.2
RELATIVE_SHARE = 0.1
# The nearest phrasing already orders the candidates; as a share of the confidence (0.1, with
# STRANGE_FACTOR 0.8 and ANSWER 0.56) it won 3 development questions but widened the gap
# between siblings, so 烟草证要带什么材料 got an answer instead of the question back: kept at 0.
NEAREST_SHARE = 0.0
STRENGTH_HALF = 10.0  # the BM25F score that counts as half-strength
UNKNOWN_WEIGHT = 0.5
RECENT = 256  # search results remembered (Library.search)
POOL = 8  # BM25F candidates, re-ordered after the gates (which can push an entry down)
# Second stage: a candidate's BM25F score plus this many points times its nearest phrasing's
# cosine (0..1) orders the candidates; bigrams count this share in that cosine.
PHRASING_WEIGHT = 20.0
BIGRAM_SHARE = 0.3
# Ask back: the best entry (at least CLARIFY_MIN) has siblings, and what comes within
# CLARIFY_MARGIN of it are only its siblings.
CLARIFY_MARGIN = 0.04
CLARIFY_MIN = SUGGEST
# A question that names another domain's thing (团费, 驾驶证, 酒类许可证 …) and nothing of ours
# (烟, 党 …): entries that are not about that thing keep only this share of their confidence.
FOREIGN_FACTOR = 0.5
# A question that names a thing (noun) the library has never seen, and nothing of ours.
STRANGE_FACTOR = 0.7
# A specialised entry (declares qualifiers) asked without any of them.
QUALIFIER_FACTOR = 0.8
# A question with one of an entry's excludes.
EXCLUDE_FACTOR = 0.5
# The last character of a word the library has never seen that names a kind of licence, fee,
# insurance, card or tax: such a word is another domain's thing (驾驶证, 团费, 车险, 医保卡).
KIND_SUFFIXES = frozenset("证照费险卡税")
_ATTACHED = r"(?:经营|零售|批发|代销|生产)?(?:许可证|许可|证|执照|卡)?"


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float


@dataclass(frozen=True, slots=True)
class Candidate:
    """One of the POOL candidates of the second stage, with what its confidence is made of."""

    doc: int
    raw: float  # BM25F score
    near: float  # cosine to the entry's nearest phrasing (0..1)
    factor: float  # the gates' factor (1 when no gate applies)

    @property
    def order(self) -> float:
        """What orders the candidates: BM25F plus the nearest phrasing, after the gates."""
        return (self.raw + PHRASING_WEIGHT * self.near) * self.factor


def confidence(
    coverage: float,
    relative: float,
    raw: float,
    near: float,
    factor: float,
    coverage_share: float = COVERAGE_SHARE,
    relative_share: float = RELATIVE_SHARE,
    nearest_share: float = NEAREST_SHARE,
    half: float = STRENGTH_HALF,
) -> float:
    """0..1 from its parts (bench/calibrate.py replays it with other shares)."""
    strength = raw / (raw + half)
    rest = 1.0 - coverage_share - relative_share - nearest_share
    score = (
        coverage_share * coverage
        + relative_share * relative
        + nearest_share * near
        + rest * strength
    )
    return round(score * factor, 4)


def strange_gate(factor: float, strange: bool, strange_factor: float = STRANGE_FACTOR) -> float:
    """The gates' factor of an entry, times STRANGE_FACTOR when the question names a thing
    the library has never heard of (the same for every entry: it scales, never reorders)."""
    return factor * strange_factor if strange else factor


def asks_back(best: float, runner: float) -> bool:
    """Whether the runner-up (a sibling of the best entry) is close enough to ask back."""
    return best >= CLARIFY_MIN and runner >= max(best - CLARIFY_MARGIN, SUGGEST)


@dataclass(frozen=True)
class SearchResult:
    answer: Hit | None
    suggestions: list[Hit] = field(default_factory=list)
    # Ask back: the alternatives of one topic, in the order the question names them.
    choices: list[Hit] = field(default_factory=list)
    question: str = ""


@dataclass(frozen=True, slots=True)
class Phrasing:
    """One phrasing of an entry (its title or a question) as terms, with its squared norm."""

    words: tuple[str, ...]
    bigrams: tuple[str, ...]
    norm: float


def _holders(
    phrasings: Sequence[Phrasing],
) -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    """For each word and bigram, the numbers of the phrasings that hold it."""
    words: dict[str, list[int]] = {}
    bigrams: dict[str, list[int]] = {}
    for i, p in enumerate(phrasings):
        for t in p.words:
            words.setdefault(t, []).append(i)
        for t in p.bigrams:
            bigrams.setdefault(t, []).append(i)
    return (
        {t: tuple(ids) for t, ids in words.items()},
        {t: tuple(ids) for t, ids in bigrams.items()},
    )


@dataclass(frozen=True)
class Query:
    words: list[str]
    bigrams: list[str]
    text: str = ""  # folded, with the canonical words appended (for qualifiers and picks)
    foreign: tuple[str, ...] = ()  # other domains' things it names, when nothing of ours
    rest: tuple[str, ...] = ()  # when foreign: the words of the question outside those names
    ideal: float = 0.0  # the most any entry could score for these terms
    # things (nouns) the library has never heard of, when nothing of ours is named
    strange: tuple[str, ...] = ()


class Library:
    def __init__(
        self,
        entries: Sequence[Entry],
        analyzer: Analyzer,
        foreign: Iterable[str] = (),
        anchors: Iterable[str] = (),
    ) -> None:
        self.entries = list(entries)
        self.analyzer = analyzer
        self.by_id = {e.id: e for e in self.entries}
        self.number = {e.id: n for n, e in enumerate(self.entries)}
        said: list[list[tuple[list[str], list[str]]]] = []  # terms of each entry's phrasings
        docs = [self._doc(e, said) for e in self.entries]
        self.index = Index(docs, WORD_FIELDS, BIGRAM_FIELD)
        # Each entry's own phrasings (title and questions) for the second stage: how close the
        # question comes to the nearest one of them.
        self.phrasings = [[self._phrasing(terms) for terms in entry] for entry in said]
        # Which of an entry's phrasings hold each term, so `_nearest` visits only the phrasings
        # that share a term with the question (most share none).
        self.holders = [_holders(phrasings) for phrasings in self.phrasings]
        self.foreign = tuple(sorted({fold(w) for w in foreign if w}, key=lambda w: (-len(w), w)))
        self.anchors = tuple(sorted({fold(w) for w in anchors if w}))
        # Recent results by question text: the router searches before it takes the writer lock
        # (Router.prepare), and the handler inside the lock finds the result here.
        self._recent: OrderedDict[str, SearchResult] = OrderedDict()
        self._recent_lock = threading.Lock()
        self._foreign_re = (
            re.compile("|".join(re.escape(w) + _ATTACHED for w in self.foreign))
            if self.foreign
            else None
        )
        # What each entry is about (title and keywords): a foreign word found there does not
        # count against it (an entry may say that 团费 is not handled here).
        self.about = [fold(" ".join((e.title, *e.keywords))) for e in self.entries]
        self.qualifiers = [tuple(fold(w) for w in e.qualifiers) for e in self.entries]
        self.excludes = [tuple(fold(w) for w in e.excludes) for e in self.entries]

    def _phrasing(self, terms: tuple[list[str], list[str]]) -> Phrasing:
        words = tuple(sys.intern(t) for t in set(terms[0]))
        bigrams = tuple(sys.intern(t) for t in set(terms[1]))
        norm = sum(self._word_weight(t) for t in words)
        norm += BIGRAM_SHARE * sum(self._bigram_weight(t) for t in bigrams)
        return Phrasing(words, bigrams, norm)

    def _word_weight(self, term: str) -> float:
        return self.index.word_idf.get(term, self.index.unknown_idf) ** 2

    def _bigram_weight(self, term: str) -> float:
        return self.index.bigram_idf.get(term, self.index.unknown_idf) ** 2

    def _weights(self, q: Query) -> tuple[dict[str, float], dict[str, float]]:
        """The question's words and bigrams with their idf² weights."""
        return (
            {t: self._word_weight(t) for t in set(q.words)},
            {t: self._bigram_weight(t) for t in set(q.bigrams)},
        )

    def _nearest(self, doc: int, weights: tuple[dict[str, float], dict[str, float]]) -> float:
        """0..1: the cosine (idf² weights, words and bigrams) between the question and the
        entry's closest phrasing."""
        words, bigrams = weights
        norm = sum(words.values()) + BIGRAM_SHARE * sum(bigrams.values())
        if not norm:
            return 0.0
        word_holders, bigram_holders = self.holders[doc]
        common: dict[int, float] = {}  # phrasing -> the weight of the words it shares
        for t, w in words.items():
            for i in word_holders.get(t, ()):
                common[i] = common.get(i, 0.0) + w
        shared: dict[int, float] = {}  # phrasing -> the weight of the bigrams it shares
        for t, w in bigrams.items():
            for i in bigram_holders.get(t, ()):
                shared[i] = shared.get(i, 0.0) + w
        phrasings = self.phrasings[doc]
        best = 0.0
        for i in common.keys() | shared.keys():
            p = phrasings[i]
            together = common.get(i, 0.0) + BIGRAM_SHARE * shared.get(i, 0.0)
            if p.norm and together:
                best = max(best, together / math.sqrt(norm * p.norm))
        return best

    def _doc(
        self, entry: Entry, said: list[list[tuple[list[str], list[str]]]]
    ) -> dict[str, list[str]]:
        """The entry's terms by field; its phrasings' terms are appended to `said`."""
        doc: dict[str, list[str]] = {"title": [], "questions": [], "keywords": [], "body": []}
        bigrams: list[str] = []
        said.append([])
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
            if name in ("title", "questions"):
                said[-1].append((words, grams))
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
        foreign, foreign_errors = read_all_wordlists(content, FOREIGN_FILE)
        anchors, anchor_errors = read_all_wordlists(content, ANCHORS_FILE)
        rewrites, rewrite_errors = read_all_rewrites(content)
        log_problems(
            "policy library",
            [*errors, *dict_errors, *rewrite_errors, *foreign_errors, *anchor_errors],
            skipped,
        )
        library = cls(
            entries,
            Analyzer(dict_files(content, "userdict.txt"), synonyms, rewrites),
            foreign,
            anchors,
        )
        # Read jieba's noun list now, once: loaded by `serve` before it forks, every worker
        # shares it, instead of each paying a second of CPU on its first question.
        dictionary_nouns()
        with _cache_lock:
            if len(_cache) > 8:
                _cache.clear()
            _cache[key] = library
        return library

    def get(self, entry_id: str) -> Entry | None:
        return self.by_id.get(entry_id)

    # -- matching --------------------------------------------------------------------------
    def query(self, text: str) -> Query:
        text = text[:200]
        words, bigrams = self.analyzer.terms(text)
        folded = self.analyzer.rewrite(fold(text))
        foreign, rest = self._foreign(folded, words)
        strange = () if foreign else self._strange(folded, words)
        return Query(
            words,
            bigrams,
            folded + " " + " ".join(words),
            foreign,
            tuple(self.analyzer.terms(rest)[0]) if foreign else (),
            self.index.ideal(words, bigrams),
            strange,
        )

    def _foreign(self, folded: str, words: Sequence[str]) -> tuple[tuple[str, ...], str]:
        """Other domains' things the question names, unless it also names something of ours
        (an anchor outside those names: 营业执照换了名字，烟证也要改吗 is ours); and the text
        outside those names."""
        found = [w for w in self.foreign if w in folded]
        for word in words:
            if (
                len(word) > 1
                and word[-1] in KIND_SUFFIXES
                and word not in self.index.word_idf
                and word not in found
            ):
                found.append(word)
        if not found:
            return (), folded
        rest = self._foreign_re.sub(" ", folded) if self._foreign_re is not None else folded
        for word in found:
            rest = rest.replace(word, " ")
        if any(anchor in rest for anchor in self.anchors):
            return (), folded
        return tuple(found), rest

    def _strange(self, folded: str, words: Sequence[str]) -> tuple[str, ...]:
        """Nouns the library has never seen (交警, 饭馆, 股东大会), unless the question names
        something of ours: the question is probably about another domain's thing."""
        if any(anchor in folded for anchor in self.anchors):
            return ()
        nouns = dictionary_nouns()
        return tuple(w for w in dict.fromkeys(words) if w not in self.index.word_idf and w in nouns)

    def rank(self, text: str, k: int = MAX_SUGGESTIONS) -> list[Hit]:
        """The k best entries, best first: BM25F candidates ordered after the domain gate,
        qualifiers and excludes, each with its calibrated confidence as the score."""
        return self._rank(self.query(text), k)

    def _rank(self, q: Query, k: int) -> list[Hit]:
        return [Hit(self.entries[c.doc], self._confidence(q, c)) for c in self.candidates(q, k)]

    def candidates(self, q: Query, k: int = POOL) -> list[Candidate]:
        """The k best candidates, best first: the BM25F pool (at least POOL) ordered by BM25F
        and the nearest phrasing (they rank better than the confidence), after the gates."""
        if not q.words and not q.bigrams:
            return []
        if q.words and all(w in ASKING for w in q.words):  # 今天几号: asks about nothing
            return []
        top = self.index.top(q.words, q.bigrams, max(k, POOL))
        weights = self._weights(q)
        pool = [
            Candidate(doc, raw, self._nearest(doc, weights), self._factor(q, doc))
            for doc, raw in top
        ]
        return sorted(pool, key=lambda c: (-c.order, c.doc))[:k]

    def _factor(self, q: Query, doc: int) -> float:
        """1, less when the question is about another domain's thing (and the entry is not),
        names a thing the library has never heard of, lacks all of a specialised entry's
        qualifiers, or has one of its excludes."""
        return strange_gate(self.gates(q, doc), bool(q.strange))

    def gates(self, q: Query, doc: int) -> float:
        """The entry's own gates: the domain gate, qualifiers and excludes."""
        factor = 1.0
        if q.foreign and not self._about_it(q, doc):
            factor *= FOREIGN_FACTOR
        qualifiers = self.qualifiers[doc]
        if qualifiers and not any(w in q.text for w in qualifiers):
            factor *= QUALIFIER_FACTOR
        if any(w in q.text for w in self.excludes[doc]):
            factor *= EXCLUDE_FACTOR
        return factor

    def _about_it(self, q: Query, doc: int) -> bool:
        """Whether the entry is about the other domain's thing the question names (in its
        title or keywords) and also matches something else the question says (团费交多少 for
        an entry on 团费; not 身份证到期了去哪换 for the entry that mentions checking IDs)."""
        if not any(w in self.about[doc] for w in q.foreign):
            return False
        postings = (self.index.words.get(w) for w in q.rest)
        return any(p is not None and p.weight_of(doc) > 0 for p in postings)

    def parts(self, q: Query, c: Candidate) -> tuple[float, float]:
        """The coverage (unknown words count half) and the score relative to the best any
        entry could score for these terms."""
        cov = self.index.coverage(c.doc, q.words, UNKNOWN_WEIGHT) if q.words else 0.0
        relative = min(c.raw / q.ideal, 1.0) if q.ideal > 0 else 0.0
        return cov, relative

    def _confidence(self, q: Query, c: Candidate) -> float:
        """0..1: how strongly the entry matches (saturated BM25F, and relative to the best any
        entry could score for these words), how much of the question's information it covers
        and how close its nearest phrasing comes; times the gates' factor."""
        return confidence(*self.parts(q, c), c.raw, c.near, c.factor)

    def _score_of(self, q: Query, entry_id: str) -> float:
        doc = self.number[entry_id]
        raw = sum(p.weight_of(doc) for t in set(q.words) if (p := self.index.words.get(t)))
        raw += sum(p.weight_of(doc) for t in set(q.bigrams) if (p := self.index.bigrams.get(t)))
        weights = self._weights(q)
        return self._confidence(
            q, Candidate(doc, raw, self._nearest(doc, weights), self._factor(q, doc))
        )

    def search(self, text: str) -> SearchResult:
        """`find(text)`, remembered for the last RECENT questions (the library never changes:
        a content reload builds a new Library)."""
        with self._recent_lock:
            result = self._recent.get(text)
            if result is not None:
                self._recent.move_to_end(text)
                return result
        result = self.find(text)
        with self._recent_lock:
            self._recent[text] = result
            if len(self._recent) > RECENT:
                self._recent.popitem(last=False)
        return result

    def find(self, text: str) -> SearchResult:
        """Ask back when the best entry and one of its declared siblings are close (unless the
        question names one of them); else an answer when the best entry's confidence reaches
        ANSWER (with up to 2 runners-up as suggestions), else up to 3 suggestions from SUGGEST
        up, else nothing."""
        q = self.query(text)
        hits = self._rank(q, MAX_SUGGESTIONS)
        if not hits:
            return SearchResult(None)
        best = hits[0]
        runner = hits[1] if len(hits) > 1 else None
        # only when the closest competitor of the best entry is one of its alternatives
        if (
            runner is not None
            and runner.entry.id in best.entry.siblings
            and asks_back(best.score, runner.score)
        ):
            return self.ask_back(q, best.entry)
        others = [h for h in hits[1:MAX_SUGGESTIONS] if h.score >= SUGGEST]
        if best.score >= ANSWER:
            return SearchResult(best, others)
        return SearchResult(None, [h for h in hits[:MAX_SUGGESTIONS] if h.score >= SUGGEST])

    def ask_back(self, q: Query, best: Entry) -> SearchResult:
        """The clarifying question among the best entry's group, or the answer from the one
        alternative the question names."""
        group = [self.by_id[i] for i in sorted(group_of(best)) if i in self.by_id]
        named = [e for e in group if any(fold(w) in q.text for w in e.picks)]
        if len(named) == 1:
            return SearchResult(Hit(named[0], self._score_of(q, named[0].id)))
        options = option_order(named if len(named) > 1 else group)
        choices = [Hit(e, self._score_of(q, e.id)) for e in options]
        return SearchResult(None, choices=choices, question=best.clarify)


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
