"""Markdown files with YAML front matter: the format of content/policies and content/study."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class ContentError(ValueError):
    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


def read_front_matter(path: Path) -> tuple[dict[str, Any], str]:
    """Split `---` YAML front matter from the Markdown body."""
    text = path.read_text(encoding="utf-8").lstrip("\ufeff")
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
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(f"{name}:"):
            return number
    return None
