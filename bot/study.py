"""Daily study items from content/study/: today's item is the one published today, else a rotation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from bot.content import (
    ContentError,
    Folders,
    field_line,
    layered_files,
    layers,
    log_problems,
    read_front_matter,
)

MAX_BODY = 220  # the check-in reply must stay within 300 characters
MAX_MESSAGE = 270  # the whole item as rendered (title, body, source, where to confirm)


@dataclass(frozen=True)
class StudyItem:
    id: str
    title: str
    body: str
    source: str
    publish_on: str | None
    tags: tuple[str, ...]
    confirm: str = ""  # where a member can read the original text

    def render(self) -> str:
        where = f"；原文可查：{self.confirm}" if self.confirm else ""
        return f"【今日学习】{self.title}\n{self.body}\n（出处：{self.source}{where}）"


class StudyLibrary:
    def __init__(self, items: list[StudyItem]) -> None:
        self.items = sorted(items, key=lambda i: i.id)
        self._by_day = {i.publish_on: i for i in self.items if i.publish_on}
        self._rotation = [i for i in self.items if not i.publish_on] or self.items

    @classmethod
    def load(cls, content: Folders) -> StudyLibrary:
        """The study items of one content folder or several in layers (each folder's `study/`).
        A broken file is skipped with one log line naming it and the reason."""
        skipped: list[Path] = []
        items, errors = load_items(content, skipped)
        log_problems("study items", errors, skipped)
        return cls(items)

    def __len__(self) -> int:
        return len(self.items)

    def for_day(self, day: str) -> StudyItem | None:
        if not self.items:
            return None
        if day in self._by_day:
            return self._by_day[day]
        index = dt.date.fromisoformat(day).toordinal() % len(self._rotation)
        return self._rotation[index]

    def get(self, item_id: str) -> StudyItem | None:
        return next((i for i in self.items if i.id == item_id), None)


def load_items(
    content: Folders, skipped: list[Path] | None = None
) -> tuple[list[StudyItem], list[ContentError]]:
    """Every valid study item in `<folder>/study/*.md` of each layer (or, given one folder
    without a `study` subfolder, in that folder). A site's file replaces the shipped file of
    the same name, and a site's item the shipped item with the same id."""
    found: dict[str, tuple[int, Path, StudyItem]] = {}
    errors: list[ContentError] = []
    if isinstance(content, str | Path) and not (Path(content) / "study").is_dir():
        folders = [Path(content)]  # one folder of study items itself
    else:
        folders = [r / "study" for r in layers(content)]
    for layer, path in layered_files(folders, "", ["*.md"]):
        try:
            meta, body = read_front_matter(path)
            item = _item(path, meta, body)
        except ContentError as exc:
            errors.append(exc)
            if skipped is not None:
                skipped.append(path)
            continue
        other = found.get(item.id)
        if other is not None and other[0] == layer:
            errors.append(
                ContentError(
                    path,
                    f"duplicate id {item.id!r} (also in {other[1].name})",
                    field_line(path, "id"),
                )
            )
            if skipped is not None:
                skipped.append(path)
            continue
        if other is None or other[0] < layer:
            found[item.id] = (layer, path, item)
    return [item for _, _, item in found.values()], errors


def _item(path: Path, meta: dict[str, object], body: str) -> StudyItem:
    for name in ("id", "title", "source"):
        if not isinstance(meta.get(name), str) or not str(meta.get(name)).strip():
            raise ContentError(
                path, f"missing or empty field {name!r}", field_line(path, name) or 1
            )
    if not body:
        raise ContentError(path, "empty body")
    if len(body) > MAX_BODY:
        raise ContentError(path, f"body has {len(body)} characters; at most {MAX_BODY}")
    publish_on = meta.get("publish_on")
    if publish_on is not None:
        try:
            publish_on = dt.date.fromisoformat(str(publish_on)).isoformat()
        except ValueError as exc:
            raise ContentError(
                path, f"publish_on is not a date: {publish_on!r}", field_line(path, "publish_on")
            ) from exc
    confirm = meta.get("confirm")
    if confirm is not None and (not isinstance(confirm, str) or not confirm.strip()):
        raise ContentError(
            path, "confirm must say where to read the original", field_line(path, "confirm")
        )
    tags = meta.get("tags") or []
    item = StudyItem(
        id=str(meta["id"]).strip(),
        title=str(meta["title"]).strip(),
        body=body,
        source=str(meta["source"]).strip(),
        publish_on=publish_on,
        tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
        confirm=str(confirm or "").strip(),
    )
    if len(item.render()) > MAX_MESSAGE:
        raise ContentError(
            path,
            f"the message has {len(item.render())} characters with title and source; "
            f"at most {MAX_MESSAGE}",
        )
    return item
