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


def read_synonyms(path: Path) -> tuple[dict[str, str], list[ContentError]]:
    """variant → canonical from a two-column TSV with the header `variant<TAB>canonical`."""
    from bot.knowledge.analyzer import fold

    mapping: dict[str, str] = {}
    errors: list[ContentError] = []
    if not path.is_file():
        return mapping, errors
    try:
        lines = read_text(path).splitlines()
    except ContentError as exc:
        return mapping, [exc]
    if not lines or lines[0].strip() != SYNONYM_HEADER:
        errors.append(
            ContentError(path, "the first line must be the header variant<TAB>canonical", 1)
        )
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.rstrip("\r\n").split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            errors.append(ContentError(path, "expected two columns: variant<TAB>canonical", number))
            continue
        variant, canonical = fold(parts[0].strip()), fold(parts[1].strip())
        if " " in variant or " " in canonical:
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
    for path in dict_files(content, "userdict.txt"):
        errors.extend(check_userdict(path))
    errors.extend(read_all_synonyms(content)[1])
    return errors
