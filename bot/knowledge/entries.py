"""The content library on disk: content/policies/*.md entries and content/dict/ dictionaries,
and their validation (`dangjian check-content`)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.content import ContentError, field_line, read_front_matter

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
    except (ContentError, OSError, UnicodeDecodeError) as exc:
        return None, [exc if isinstance(exc, ContentError) else ContentError(path, str(exc))]
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


def load_entries(content_dir: str | Path) -> tuple[list[Entry], list[ContentError]]:
    entries: list[Entry] = []
    errors: list[ContentError] = []
    seen: dict[str, Path] = {}
    for path in sorted(policies_dir(content_dir).glob("*.md")):
        entry, problems = parse_entry(path)
        errors.extend(problems)
        if entry is None:
            continue
        if entry.id in seen:
            errors.append(
                ContentError(
                    path,
                    f"id '{entry.id}' is also used by {seen[entry.id].name}",
                    field_line(path, "id"),
                )
            )
            continue
        seen[entry.id] = path
        entries.append(entry)
    return entries, errors


def read_synonyms(path: Path) -> tuple[dict[str, str], list[ContentError]]:
    """variant → canonical from a two-column TSV with the header `variant<TAB>canonical`."""
    from bot.knowledge.analyzer import fold

    mapping: dict[str, str] = {}
    errors: list[ContentError] = []
    if not path.is_file():
        return mapping, errors
    lines = path.read_text(encoding="utf-8").lstrip("\ufeff").splitlines()
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
    seen: dict[str, int] = {}
    for number, line in enumerate(
        path.read_text(encoding="utf-8").lstrip("\ufeff").splitlines(), 1
    ):
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


def validate(content_dir: str | Path) -> list[ContentError]:
    """Everything wrong with the library: entries, required ids, and the dictionaries."""
    folder = policies_dir(content_dir)
    if not folder.is_dir():
        return [ContentError(folder, "the policies folder is missing")]
    entries, errors = load_entries(content_dir)
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
    words = dict_dir(content_dir)
    errors.extend(check_userdict(words / "userdict.txt"))
    errors.extend(read_synonyms(words / "synonyms.tsv")[1])
    return errors
