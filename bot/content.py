"""Markdown files with YAML front matter: the format of content/policies and content/study;
and content folders in layers (the shipped content, then the site's, which overrides it)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)

# A content folder, or several in layers, lowest precedence first.
Folders = str | Path | Sequence[str | Path]


class ContentError(ValueError):
    def __init__(
        self, path: Path | str, message: str, line: int | None = None, unreadable: bool = False
    ) -> None:
        self.path = str(path)
        self.line = line
        self.unreadable = unreadable  # the whole file could not be read
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {' '.join(message.split())}")  # one line


def layers(folders: Folders) -> list[Path]:
    """One folder or several as a list of paths, lowest precedence first."""
    if isinstance(folders, str | Path):
        return [Path(folders)]
    return [Path(f) for f in folders]


def layered_files(folders: Folders, sub: str, patterns: Iterable[str]) -> list[tuple[int, Path]]:
    """(layer, path) of the files matching `patterns` in `<folder>/<sub>` of every layer, sorted
    by file name; a file in a higher layer replaces the file of the same name below it."""
    chosen: dict[str, tuple[int, Path]] = {}
    pats = tuple(patterns)
    for number, root in enumerate(layers(folders)):
        folder = root / sub if sub else root
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.is_file() and any(path.match(p) for p in pats):
                chosen[path.name] = (number, path)
    return [chosen[name] for name in sorted(chosen)]


def log_problems(what: str, errors: Iterable[ContentError], skipped: Iterable[Path] = ()) -> int:
    """One log line per file with problems: its first problem, and whether the file was left
    out or loaded anyway (`dangjian check-content` lists them all). Returns the files."""
    left_out = {str(p) for p in skipped}
    first: dict[str, ContentError] = {}
    for error in errors:
        first.setdefault(error.path, error)
    for path, error in first.items():
        if path in left_out or error.unreadable:
            log.warning("%s: skipped %s", what, error)
        else:
            log.warning("%s: %s (loaded the rest of the file)", what, error)
    return len(first)


def read_text(path: Path) -> str:
    """A content file's text: UTF-8 (a BOM is dropped). Anything else is a ContentError that
    names the file and, for a decoding error, the line where it happened."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ContentError(path, f"cannot read: {exc.strerror or exc}", None, True) from exc
    try:
        return raw.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError(
            path, "not UTF-8 text (GBK or another encoding?): save it as UTF-8", line, True
        ) from exc


def read_front_matter(path: Path) -> tuple[dict[str, Any], str]:
    """Split `---` YAML front matter from the Markdown body."""
    text = read_text(path)
    if not text.startswith("---"):
        raise ContentError(path, "missing YAML front matter (the file must start with ---)", 1)
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise ContentError(path, "front matter is not closed with ---", 1)
    head = parts[0][3:]
    body = parts[1].split("\n", 1)[1] if "\n" in parts[1] else ""
    try:
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ContentError(path, f"bad YAML: {exc}", mark.line + 1 if mark else None) from exc
    if not isinstance(meta, dict):
        raise ContentError(path, "front matter must be a mapping", 1)
    return meta, body.strip()


def field_line(path: Path, name: str) -> int | None:
    """The line of a front-matter field, for error messages."""
    try:
        text = read_text(path)
    except ContentError:
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(f"{name}:"):
            return number
    return None
