"""The content library on disk: content/policies/*.md entries and content/dict/ dictionaries,
and their validation (`dangjian check-content`)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.content import (
    ContentError,
    Folders,
    field_line,
    layered_files,
    layers,
    read_front_matter,
    read_text,
)

CATEGORIES = ("零售户", "党务", "使用帮助")
MIN_QUESTIONS = 4
MAX_BODY = 550  # "at most about 500 characters"
REQUIRED_FIELDS = ("id", "title", "category", "questions", "keywords", "source", "updated")
REQUIRED_IDS = {
    "零售户": (
        "license-apply",
        "license-renewal",
        "license-change",
        "license-relocation",
        "license-suspend",
        "license-cancel",
        "license-reissue",
        "minors-ban",
        "ecig-rules",
        "ordering",
        "legal-source",
        "counterfeit",
        "price-tag",
        "hotline",
        "no-license-penalty",
    ),
    "党务": (
        "sanhui-yike",
        "party-dues",
        "theme-day",
        "org-life",
        "member-review",
        "transfer",
        "join-party",
        "probation",
        "discipline",
        "oath",
        "five-services",
        "six-haves",
        "party-group",
        "pioneer-post",
    ),
    "使用帮助": ("points-rules", "help-quiz", "help-checkin", "help-bind"),
}
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SYNONYM_HEADER = "variant\tcanonical"
REWRITES_FILE = "rewrites.tsv"
REWRITE_HEADER = "written\tmeant"


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    category: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    source: str
    updated: str
    body: str
    # Ask back (optional): the other entries that are alternatives of the same topic, the
    # question asked when this entry and a sibling are both close, this entry's option in it,
    # and further words that pick this option in the reply (and in the question itself).
    siblings: tuple[str, ...] = ()
    clarify: str = ""
    choice: str = ""
    choice_words: tuple[str, ...] = ()
    # Qualifiers (optional): words of which a question must contain one for this entry to be
    # answered with full confidence (a specialised entry next to a general one). Excludes:
    # words that mean a question is not for this entry (便宜点 is haggling, not a fake).
    qualifiers: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()

    @property
    def option(self) -> str:
        """The option's name: the choice up to an opening bracket (新办（第一次申请） → 新办)."""
        return re.split(r"[（(]", self.choice, maxsplit=1)[0].strip()

    @property
    def picks(self) -> tuple[str, ...]:
        """The words that choose this entry in a clarifying question."""
        return tuple(w for w in (self.option, *self.choice_words) if w)


def policies_dir(content_dir: str | Path) -> Path:
    return Path(content_dir) / "policies"


def dict_dir(content_dir: str | Path) -> Path:
    return Path(content_dir) / "dict"


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return [str(v).strip() for v in value]
    return None


def parse_entry(path: Path) -> tuple[Entry | None, list[ContentError]]:
    """One entry file: the entry (None when unusable) and everything wrong with it."""
    try:
        meta, body = read_front_matter(path)
    except ContentError as exc:
        return None, [exc]
    errors: list[ContentError] = []

    def err(name: str, message: str) -> None:
        errors.append(ContentError(path, message, field_line(path, name)))

    missing = [name for name in REQUIRED_FIELDS if meta.get(name) in (None, "", [])]
    for name in missing:
        err(name, f"missing field '{name}'")
    entry_id = str(meta.get("id") or "").strip()
    if entry_id and not ID_PATTERN.match(entry_id):
        err("id", f"id '{entry_id}' must be lower-case letters, digits and dashes")
    category = str(meta.get("category") or "").strip()
    if category and category not in CATEGORIES:
        err("category", f"category '{category}' must be one of {'/'.join(CATEGORIES)}")
    questions = _strings(meta.get("questions")) or []
    if meta.get("questions") is not None and _strings(meta.get("questions")) is None:
        err("questions", "questions must be a list of texts")
    questions = [q for q in questions if q]
    if meta.get("questions") and len(questions) < MIN_QUESTIONS:
        err("questions", f"needs at least {MIN_QUESTIONS} questions (has {len(questions)})")
    keywords = _strings(meta.get("keywords"))
    if meta.get("keywords") is not None and keywords is None:
        err("keywords", "keywords must be a list of words")
    lists: dict[str, list[str]] = {}
    for name in ("siblings", "choice_words", "qualifiers", "excludes"):
        value = meta.get(name)
        items = _strings(value) if value is not None else []
        if items is None:
            err(name, f"{name} must be a list of texts")
            items = []
        lists[name] = [i for i in items if i]
    clarify = str(meta.get("clarify") or "").strip()
    choice = str(meta.get("choice") or "").strip()
    if lists["siblings"] and (not clarify or not choice):
        err("siblings", "an entry with siblings needs 'clarify' (the question) and 'choice'")
    if not lists["siblings"] and (clarify or choice or lists["choice_words"]):
        err(
            "clarify" if clarify else "choice",
            "'clarify', 'choice' and 'choice_words' need 'siblings'",
        )
    updated = meta.get("updated")
    if isinstance(updated, dt.date):
        updated_text = updated.isoformat()
    else:
        updated_text = str(updated or "").strip()
        if updated_text:
            try:
                dt.date.fromisoformat(updated_text)
            except ValueError:
                err("updated", f"updated '{updated_text}' must be a date like 2026-12-02")
    if not body.strip():
        errors.append(ContentError(path, "the answer (Markdown body) is empty"))
    elif len(body) > MAX_BODY:
        errors.append(
            ContentError(path, f"the answer has {len(body)} characters (at most {MAX_BODY})")
        )
    if missing:
        return None, errors
    entry = Entry(
        id=entry_id,
        title=str(meta.get("title") or "").strip(),
        category=category,
        questions=tuple(questions),
        keywords=tuple(k for k in (keywords or []) if k),
        source=str(meta.get("source") or "").strip(),
        updated=updated_text,
        body=body.strip(),
        siblings=tuple(lists["siblings"]),
        clarify=clarify,
        choice=choice,
        choice_words=tuple(lists["choice_words"]),
        qualifiers=tuple(lists["qualifiers"]),
        excludes=tuple(lists["excludes"]),
    )
    return entry, errors


def policy_files(content: Folders) -> list[tuple[int, Path]]:
    """(layer, path) of every policy entry file; a site's file replaces a shipped one of the
    same name."""
    return layered_files(content, "policies", ["*.md"])


def load_entries(
    content: Folders, skipped: list[Path] | None = None
) -> tuple[list[Entry], list[ContentError]]:
    """Every usable entry of every layer. An entry whose id a higher layer uses too is replaced
    by that one (a site's version of a shipped entry); the same id twice in one layer is an
    error."""
    by_id: dict[str, tuple[int, Path, Entry]] = {}
    errors: list[ContentError] = []
    for layer, path in policy_files(content):
        entry, problems = parse_entry(path)
        errors.extend(problems)
        if entry is None:
            if skipped is not None:
                skipped.append(path)
            continue
        other = by_id.get(entry.id)
        if other is not None and other[0] == layer:
            if skipped is not None:
                skipped.append(path)
            errors.append(
                ContentError(
                    path,
                    f"id '{entry.id}' is also used by {other[1].name}",
                    field_line(path, "id"),
                )
            )
            continue
        if other is None or other[0] < layer:
            by_id[entry.id] = (layer, path, entry)
    ordered = sorted(by_id.values(), key=lambda t: t[1].name)
    return [entry for _, _, entry in ordered], errors


def read_synonyms(
    path: Path, header: str = SYNONYM_HEADER
) -> tuple[dict[str, str], list[ContentError]]:
    """variant → canonical from a two-column TSV with the header `variant<TAB>canonical` (or
    another header: rewrites.tsv has `written<TAB>meant`, where the meant text may hold a space
    that keeps two words apart: 没交会 → 没交 会)."""
    from bot.knowledge.analyzer import fold

    mapping: dict[str, str] = {}
    errors: list[ContentError] = []
    if not path.is_file():
        return mapping, errors
    try:
        lines = read_text(path).splitlines()
    except ContentError as exc:
        return mapping, [exc]
    if not lines or lines[0].strip() != header:
        shown = header.replace("\t", "<TAB>")
        errors.append(ContentError(path, f"the first line must be the header {shown}", 1))
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.rstrip("\r\n").split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            shown = header.replace("\t", "<TAB>")
            errors.append(ContentError(path, f"expected two columns: {shown}", number))
            continue
        variant, canonical = fold(parts[0].strip()), fold(parts[1].strip())
        if " " in variant or (" " in canonical and header == SYNONYM_HEADER):
            errors.append(
                ContentError(path, "a variant or canonical word must not contain spaces", number)
            )
            continue
        if variant == canonical:
            errors.append(ContentError(path, f"'{variant}' maps to itself", number))
            continue
        if variant in mapping and mapping[variant] != canonical:
            errors.append(
                ContentError(
                    path,
                    f"'{variant}' maps to both '{mapping[variant]}' (line {first_line[variant]})"
                    f" and '{canonical}'",
                    number,
                )
            )
            continue
        mapping[variant] = canonical
        first_line.setdefault(variant, number)
    # Resolve chains (a → b, b → c gives a → c) and report cycles.
    resolved: dict[str, str] = {}
    for variant in mapping:
        seen = {variant}
        target = mapping[variant]
        while target in mapping:
            if target in seen:
                errors.append(
                    ContentError(
                        path, f"synonyms form a cycle through '{variant}'", first_line[variant]
                    )
                )
                break
            seen.add(target)
            target = mapping[target]
        else:
            resolved[variant] = target
    return resolved, errors


def check_userdict(path: Path) -> list[ContentError]:
    """Each line: `word [frequency] [part-of-speech]` (jieba's user dictionary format)."""
    errors: list[ContentError] = []
    if not path.is_file():
        return errors
    try:
        text = read_text(path)
    except ContentError as exc:
        return [exc]
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        parts = line.strip().split()
        if not parts or parts[0].startswith("#"):
            continue
        if len(parts) > 3:
            errors.append(ContentError(path, "expected: word [frequency] [part of speech]", number))
        elif len(parts) >= 2 and not parts[1].isdigit():
            errors.append(
                ContentError(path, f"frequency '{parts[1]}' must be a whole number", number)
            )
        elif parts[0] in seen:
            errors.append(
                ContentError(path, f"'{parts[0]}' is already on line {seen[parts[0]]}", number)
            )
        else:
            seen[parts[0]] = number
    return errors


def dict_files(content: Folders, name: str) -> list[Path]:
    """A dictionary file (userdict.txt, synonyms.tsv) of every layer that has one: the layers'
    dictionaries add up (a site's synonym for the same variant wins)."""
    return [p for p in (dict_dir(root) / name for root in layers(content)) if p.is_file()]


def read_all_synonyms(content: Folders) -> tuple[dict[str, str], list[ContentError]]:
    mapping: dict[str, str] = {}
    errors: list[ContentError] = []
    for path in dict_files(content, "synonyms.tsv"):
        found, problems = read_synonyms(path)
        mapping.update(found)
        errors.extend(problems)
    return mapping, errors


def read_all_rewrites(content: Folders) -> tuple[dict[str, str], list[ContentError]]:
    """What people type → what they mean (typos, homophones, dialect): dict/rewrites.tsv of
    every layer, added up (a site's line for the same text wins)."""
    mapping: dict[str, str] = {}
    errors: list[ContentError] = []
    for path in dict_files(content, REWRITES_FILE):
        found, problems = read_synonyms(path, REWRITE_HEADER)
        mapping.update(found)
        errors.extend(problems)
    return mapping, errors


def validate(content: Folders) -> list[ContentError]:
    """Everything wrong with the library: entries, required ids, and the dictionaries."""
    roots = layers(content)
    folder = policies_dir(roots[-1]) if roots else Path("policies")
    if not any(policies_dir(root).is_dir() for root in roots):
        return [ContentError(folder, "the policies folder is missing")]
    entries, errors = load_entries(content)
    by_id = {e.id: e for e in entries}
    for category, ids in REQUIRED_IDS.items():
        for entry_id in ids:
            entry = by_id.get(entry_id)
            if entry is None:
                errors.append(
                    ContentError(folder, f"required entry '{entry_id}' ({category}) is missing")
                )
            elif entry.category != category:
                errors.append(
                    ContentError(
                        folder / f"{entry_id}.md",
                        f"entry '{entry_id}' should be in category {category}, not {entry.category}",
                    )
                )
    paths = {}
    for _, path in policy_files(content):
        parsed, _ = parse_entry(path)
        if parsed is not None and by_id.get(parsed.id) == parsed:
            paths[parsed.id] = path
    errors.extend(check_siblings(entries, paths))
    for path in dict_files(content, "userdict.txt"):
        errors.extend(check_userdict(path))
    errors.extend(read_all_synonyms(content)[1])
    errors.extend(read_all_rewrites(content)[1])
    foreign, problems = read_all_wordlists(content, FOREIGN_FILE)
    errors.extend(problems)
    anchors, problems = read_all_wordlists(content, ANCHORS_FILE)
    errors.extend(problems)
    for word in sorted(set(foreign) & set(anchors)):
        where = dict_files(content, ANCHORS_FILE)
        errors.append(ContentError(where[-1], f"'{word}' is also in {FOREIGN_FILE}"))
    return errors


def group_of(entry: Entry) -> frozenset[str]:
    return frozenset((entry.id, *entry.siblings))


def option_order(entries: list[Entry]) -> list[Entry]:
    """The options of a clarifying question in the order its text names them."""
    question = entries[0].clarify if entries else ""
    return sorted(entries, key=lambda e: (_position(question, e.option), e.id))


def _position(text: str, word: str) -> int:
    at = text.find(word) if word else -1
    return at if at >= 0 else len(text)


def check_siblings(entries: list[Entry], paths: dict[str, Path]) -> list[ContentError]:
    """Siblings exist and form declared groups: every member lists all the others, asks the
    same question, names its own option in it, and no two options share a word."""
    errors: list[ContentError] = []
    by_id = {e.id: e for e in entries}
    for entry in entries:
        if not entry.siblings:
            continue
        path = paths.get(entry.id, Path(f"{entry.id}.md"))
        line = field_line(path, "siblings") if path.is_file() else None

        def err(message: str, where: int | None = line, file: Path = path) -> None:
            errors.append(ContentError(file, message, where))

        group = group_of(entry)
        for other_id in entry.siblings:
            other = by_id.get(other_id)
            if other_id == entry.id:
                err("an entry cannot be its own sibling")
            elif other is None:
                err(f"sibling '{other_id}' does not exist")
            elif group_of(other) != group:
                missing = sorted(group - group_of(other))
                err(
                    f"siblings must be one declared group: '{other_id}' lists "
                    f"{sorted(other.siblings)}, it should also list {missing}"
                    if missing
                    else f"siblings must be one declared group: '{other_id}' lists more "
                    f"({sorted(group_of(other) - group)}) than this entry"
                )
            elif other.clarify != entry.clarify and other_id > entry.id:
                err(f"the group asks one question: 'clarify' differs from '{other_id}'")
            elif other_id > entry.id and set(other.picks) & set(entry.picks):
                shared = "、".join(sorted(set(other.picks) & set(entry.picks)))
                err(f"'{shared}' picks both this entry and '{other_id}'")
        if entry.choice and entry.option not in entry.clarify:
            err(
                f"the option '{entry.option}' (choice up to a bracket) must appear in the"
                " clarify question (its place there orders the options)",
                field_line(path, "choice") if path.is_file() else None,
            )
    return errors


FOREIGN_FILE = "foreign.txt"
ANCHORS_FILE = "anchors.txt"


def read_all_wordlists(content: Folders, name: str) -> tuple[list[str], list[ContentError]]:
    """A word list of every layer that has one, added up."""
    words: list[str] = []
    errors: list[ContentError] = []
    for path in dict_files(content, name):
        found, problems = read_wordlist(path)
        words.extend(w for w in found if w not in words)
        errors.extend(problems)
    return words, errors


def read_wordlist(path: Path) -> tuple[list[str], list[ContentError]]:
    """One word per line (`#` starts a comment), folded; duplicates are errors."""
    from bot.knowledge.analyzer import fold

    words: list[str] = []
    errors: list[ContentError] = []
    if not path.is_file():
        return words, errors
    seen: dict[str, int] = {}
    text = path.read_text(encoding="utf-8").lstrip("\ufeff")
    for number, line in enumerate(text.splitlines(), 1):
        word = fold(line.split("#", 1)[0].strip())
        if not word:
            continue
        if " " in word:
            errors.append(ContentError(path, "one word per line, without spaces", number))
        elif word in seen:
            errors.append(ContentError(path, f"'{word}' is already on line {seen[word]}", number))
        else:
            seen[word] = number
            words.append(word)
    return words, errors
