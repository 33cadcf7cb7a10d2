"""The points rules (积分规则) as configuration: content/points.yaml.

The package ships bot/data/content/points.yaml; a site's content/points.yaml replaces it whole
(the same file name in a higher layer, like any content file). Each rule has a key (what the
ledger records), a name, the action that earns it and dated versions (points, daily and
monthly caps, the day it takes effect). A rule changes by adding a version: a point keeps the
version it was earned under (the ledger stores it).

Loading is tolerant (a broken rule is left out with a log line; a file that can't be read at
all falls back to the layer below); `validate` is strict and lists every problem with its line
(`dangjian check-content`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from bot.content import ContentError, Folders, layered_files, read_text
from bot.text import normalize

log = logging.getLogger(__name__)

FILE = "points.yaml"
ADJUST = "adjust"  # the ledger's rule key for a secretary's adjustment (not a configured rule)
ADJUST_NAME = "调整"

# What earns points, and what it means (for check-content's messages and the README).
ACTIONS: dict[str, str] = {
    "checkin": "学习打卡",
    "quiz_right": "每日答题每答对一题",
    "quiz_perfect": "每日答题全部答对",
    "meeting": "会议签到",
    "reflection": "心得通过检查",
    "claim": "申报经党小组长同意",
    "commitment_kept": "年度承诺已兑现",
    "commitment_broken": "年度承诺未兑现",
}
STAR_LEVELS = 5
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP = {"rules", "group_items", "group_rating", "stars", "board"}
_RULE_FIELDS = {"key", "name", "action", "aliases", "versions"}
_VERSION_FIELDS = {"version", "from", "until", "points", "daily_cap", "monthly_cap"}
_ITEM_FIELDS = {"key", "name", "max", "aliases"}


@dataclass(frozen=True)
class Version:
    number: int
    start: dt.date
    until: dt.date | None  # the last day it applies (inclusive); None: until the next version
    points: int
    daily_cap: int | None = None
    monthly_cap: int | None = None


@dataclass(frozen=True)
class Rule:
    key: str
    name: str
    action: str
    versions: tuple[Version, ...]
    aliases: tuple[str, ...] = ()

    def version_on(self, day: dt.date | str) -> Version | None:
        """The version in force on a day (None: the rule doesn't apply that day)."""
        d = dt.date.fromisoformat(day) if isinstance(day, str) else day
        chosen = None
        for v in self.versions:  # sorted by start
            if v.start <= d:
                chosen = v
        if chosen is None or (chosen.until is not None and d > chosen.until):
            return None
        return chosen

    def words(self) -> set[str]:
        """What a member may type to name it (申报 类别)."""
        return {normalize(w).lower() for w in (self.name, self.key, *self.aliases)}


@dataclass(frozen=True)
class GroupItem:
    key: str
    name: str
    max: int
    aliases: tuple[str, ...] = ()

    def words(self) -> set[str]:
        return {normalize(w).lower() for w in (self.name, self.key, *self.aliases)}


DEFAULT_STARS: dict[str, tuple[int, ...]] = {
    "quarter": (60, 120, 180, 240, 300),
    "year": (240, 480, 720, 960, 1200),
}


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...] = ()
    group_items: tuple[GroupItem, ...] = ()
    points_weight: Fraction = Fraction(60)
    items_weight: Fraction = Fraction(40)
    stars: dict[str, tuple[int, ...]] = field(default_factory=lambda: dict(DEFAULT_STARS))
    board_min_stars: int = 4
    source: str = ""

    def __len__(self) -> int:
        return len(self.rules)

    def rule(self, key: str) -> Rule | None:
        return next((r for r in self.rules if r.key == key), None)

    def for_action(self, action: str) -> list[Rule]:
        return [r for r in self.rules if r.action == action]

    def name_of(self, key: str) -> str:
        if key == ADJUST:
            return ADJUST_NAME
        rule = self.rule(key)
        return rule.name if rule is not None else key

    def claim_categories(self) -> list[Rule]:
        return self.for_action("claim")

    def claim_category(self, word: str) -> Rule | None:
        w = normalize(word).lower()
        return next((r for r in self.claim_categories() if w in r.words()), None)

    def group_item(self, word: str) -> GroupItem | None:
        w = normalize(word).lower()
        return next((i for i in self.group_items if w in i.words()), None)

    @property
    def items_max(self) -> int:
        return sum(i.max for i in self.group_items)

    def stars_for(self, kind: str, points: int) -> int:
        """0-5 stars for a quarter's or a year's points."""
        return sum(1 for threshold in self.stars.get(kind, ()) if points >= threshold)


# -- loading --------------------------------------------------------------------------------


class _LineDict(dict[str, Any]):
    line: int = 0


class _Loader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping (for error messages)."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> _LineDict:
    out = _LineDict({str(k): v for k, v in loader.construct_mapping(node, deep=True).items()})
    out.line = node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _files(layers: Folders) -> list[Path]:
    """points.yaml of each layer that has one, lowest first."""
    from bot.content import layers as as_layers

    return [p for root in as_layers(layers) if (p := Path(root) / FILE).is_file()]


def load(layers: Folders) -> Rules:
    """The rules of the highest layer with a readable points.yaml; rules with problems are
    left out (one log line each)."""
    for path in reversed(_files(layers)):
        try:
            rules, errors = parse(path, read_text(path))
        except ContentError as exc:
            log.warning("points rules: skipped %s", exc)
            continue
        if errors and not rules.rules:
            log.warning("points rules: skipped %s (%s)", path, errors[0])
            continue
        for error in errors:
            log.warning("points rules: %s", error)
        return rules
    return Rules()


def validate(layers: Folders) -> list[ContentError]:
    """Every problem of the points.yaml in force (the highest layer that has one)."""
    chosen = layered_files(layers, "", [FILE])
    if not chosen:
        return []
    path = chosen[-1][1]
    try:
        return parse(path, read_text(path))[1]
    except ContentError as exc:
        return [exc]


def parse(path: Path | str, text: str) -> tuple[Rules, list[ContentError]]:
    """The rules of one file (what could be read) and every problem found."""
    errors: list[ContentError] = []

    def err(message: str, line: int | None = None) -> None:
        errors.append(ContentError(path, message, line))

    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ContentError(
            path, f"not valid YAML: {getattr(exc, 'problem', exc)}", mark.line + 1 if mark else None
        ) from exc
    if not isinstance(data, dict):
        err("the file must be a mapping with `rules:` (and optionally group_items, stars …)")
        return Rules(source=str(path)), errors
    for key in data:
        if key not in _TOP:
            err(f"unknown section {key!r} (known: {', '.join(sorted(_TOP))})", _line(data))
    rules = _rules(data.get("rules"), err, _line(data))
    items = _items(data.get("group_items", []), err)
    weights = _weights(data.get("group_rating", {}), err)
    stars = _stars(data.get("stars", {}), err)
    min_stars = _min_stars(data.get("board", {}), err)
    result = Rules(
        rules=tuple(rules),
        group_items=tuple(items),
        points_weight=weights[0],
        items_weight=weights[1],
        stars=stars,
        board_min_stars=min_stars,
        source=str(path),
    )
    return result, errors


def _line(node: object) -> int | None:
    return getattr(node, "line", None) or None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _day(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _rules(raw: object, err: Any, top_line: int | None) -> list[Rule]:
    if not isinstance(raw, list) or not raw:
        err("`rules:` must be a non-empty list of rules", top_line)
        return []
    out: list[Rule] = []
    keys: set[str] = set()
    claim_words: dict[str, str] = {}
    for entry in raw:
        line = _line(entry)
        if not isinstance(entry, dict):
            err("each rule is a mapping (key, name, action, versions)", line)
            continue
        problems: list[str] = []
        for f in entry:
            if f not in _RULE_FIELDS:
                problems.append(f"unknown field {f!r} (known: {', '.join(sorted(_RULE_FIELDS))})")
        key = entry.get("key")
        name = entry.get("name")
        action = entry.get("action")
        if not isinstance(key, str) or not _KEY.match(key):
            problems.append(f"key {key!r}: lower-case letters, digits and _ (e.g. volunteer)")
        elif key == ADJUST:
            problems.append(f"key {ADJUST!r} is reserved for adjustments (dangjian points adjust)")
        elif key in keys:
            problems.append(f"duplicate key {key!r}")
        if not isinstance(name, str) or not name.strip():
            problems.append("a rule needs a name (shown to members)")
        if action not in ACTIONS:
            problems.append(f"unknown action {action!r} (known: {', '.join(ACTIONS)})")
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            problems.append("aliases must be a list of words")
            aliases = []
        elif aliases and action != "claim":
            problems.append("aliases are only for claim categories (action: claim)")
        versions = _versions(entry.get("versions"), problems)
        if action == "claim" and not problems:
            for word in {normalize(w).lower() for w in (str(name), str(key), *aliases)}:
                other = claim_words.get(word)
                if other is not None and other != key:
                    problems.append(f"claim word {word!r} also names the category {other!r}")
        for message in problems:
            err(f"rule {key!r}: {message}" if isinstance(key, str) else message, line)
        if problems:
            continue
        assert isinstance(key, str) and isinstance(name, str) and isinstance(action, str)
        keys.add(key)
        rule = Rule(key, name.strip(), action, tuple(versions), tuple(a.strip() for a in aliases))
        if action == "claim":
            for word in rule.words():
                claim_words[word] = key
        out.append(rule)
    return out


def _versions(raw: object, problems: list[str]) -> list[Version]:
    if not isinstance(raw, list) or not raw:
        problems.append("versions must be a non-empty list (version, from, points …)")
        return []
    out: list[Version] = []
    for entry in raw:
        if not isinstance(entry, dict):
            problems.append("each version is a mapping (version, from, points …)")
            continue
        unknown = [f for f in entry if f not in _VERSION_FIELDS]
        if unknown:
            problems.append(f"version: unknown field {unknown[0]!r}")
        number = _int(entry.get("version"))
        start = _day(entry.get("from"))
        until = _day(entry.get("until")) if entry.get("until") is not None else None
        points = _int(entry.get("points"))
        label = f"version {entry.get('version')!r}"
        if number is None or number < 1:
            problems.append(f"{label}: `version` must be a whole number from 1")
        if start is None:
            problems.append(f"{label}: `from` must be a date such as 2027-01-01")
        if entry.get("until") is not None and until is None:
            problems.append(f"{label}: `until` must be a date such as 2027-12-31")
        if start is not None and until is not None and until < start:
            problems.append(f"{label}: `until` {until} is before `from` {start}")
        if points is None:
            problems.append(f"{label}: `points` must be a whole number")
        caps: dict[str, int | None] = {}
        for cap in ("daily_cap", "monthly_cap"):
            value = entry.get(cap)
            if value is None:
                caps[cap] = None
                continue
            n = _int(value)
            if n is None or n < 0:
                problems.append(
                    f"{label}: `{cap}` must be a whole number, 0 or more (got {value!r})"
                )
            caps[cap] = n
        if number is None or number < 1 or start is None or points is None:
            continue
        out.append(
            Version(number, start, until, points, caps.get("daily_cap"), caps.get("monthly_cap"))
        )
    numbers = [v.number for v in out]
    if len(set(numbers)) != len(numbers):
        problems.append(f"version numbers repeat: {numbers}")
    by_start = sorted(out, key=lambda v: v.start)
    for a, b in zip(by_start, by_start[1:], strict=False):
        if a.start == b.start:
            problems.append(f"versions {a.number} and {b.number} both start on {a.start}")
        elif a.until is not None and a.until >= b.start:
            problems.append(
                f"versions {a.number} and {b.number} overlap: {a.number} runs until {a.until},"
                f" {b.number} starts on {b.start}"
            )
        if b.number < a.number:
            problems.append(
                f"version {b.number} starts after version {a.number}: numbers must grow with dates"
            )
    return by_start


def _items(raw: object, err: Any) -> list[GroupItem]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        err("`group_items:` must be a list of items (key, name, max)")
        return []
    out: list[GroupItem] = []
    words: dict[str, str] = {}
    for entry in raw:
        line = _line(entry)
        if not isinstance(entry, dict):
            err("each group item is a mapping (key, name, max)", line)
            continue
        problems = [f"unknown field {f!r}" for f in entry if f not in _ITEM_FIELDS]
        key, name, top = entry.get("key"), entry.get("name"), _int(entry.get("max"))
        aliases = entry.get("aliases", [])
        if not isinstance(key, str) or not _KEY.match(key):
            problems.append(f"key {key!r}: lower-case letters, digits and _")
        if not isinstance(name, str) or not name.strip():
            problems.append("an item needs a name")
        if top is None or top <= 0:
            problems.append(f"`max` must be a whole number above 0 (got {entry.get('max')!r})")
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            problems.append("aliases must be a list of words")
            aliases = []
        if not problems:
            assert isinstance(key, str) and isinstance(name, str) and top is not None
            item = GroupItem(key, name.strip(), top, tuple(a.strip() for a in aliases))
            for word in item.words():
                if word in words:
                    problems.append(f"{word!r} also names the item {words[word]!r}")
            if not problems:
                words.update({w: key for w in item.words()})
                out.append(item)
        for message in problems:
            err(f"group item {key!r}: {message}", line)
    return out


def _number(value: object) -> Fraction | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(str(value))
    return None


def _weights(raw: object, err: Any) -> tuple[Fraction, Fraction]:
    default = (Fraction(60), Fraction(40))
    if not isinstance(raw, dict):
        err("`group_rating:` must be a mapping (points_weight, items_weight)", _line(raw))
        return default
    unknown = [k for k in raw if k not in ("points_weight", "items_weight")]
    if unknown:
        err(f"group_rating: unknown field {unknown[0]!r}", _line(raw))
    pw = _number(raw.get("points_weight", 60))
    iw = _number(raw.get("items_weight", 40))
    if pw is None or iw is None or pw < 0 or iw < 0 or pw + iw == 0:
        err("group_rating: weights must be numbers, 0 or more, not both 0", _line(raw))
        return default
    return pw, iw


def _stars(raw: object, err: Any) -> dict[str, tuple[int, ...]]:
    out = dict(DEFAULT_STARS)
    if not isinstance(raw, dict):
        err("`stars:` must be a mapping (quarter, year)", _line(raw))
        return out
    for kind, value in raw.items():
        if kind not in DEFAULT_STARS:
            err(f"stars: unknown period {kind!r} (quarter, year)", _line(raw))
            continue
        values = value if isinstance(value, list) else []
        numbers = [_int(v) for v in values]
        if (
            len(numbers) != STAR_LEVELS
            or any(n is None or n < 0 for n in numbers)
            or any(b <= a for a, b in zip(numbers, numbers[1:], strict=False))  # type: ignore[operator]
        ):
            err(
                f"stars.{kind}: five growing whole numbers, 0 or more (points for 1 to 5 stars)",
                _line(raw),
            )
            continue
        out[kind] = tuple(n for n in numbers if n is not None)
    return out


def _min_stars(raw: object, err: Any) -> int:
    if not isinstance(raw, dict):
        err("`board:` must be a mapping (min_stars)", _line(raw))
        return 4
    value = _int(raw.get("min_stars", 4))
    if value is None or not 1 <= value <= STAR_LEVELS:
        err("board.min_stars must be a whole number from 1 to 5", _line(raw))
        return 4
    return value


def describe(rules: Rules, day: dt.date | str) -> list[str]:
    """One line per rule with the version in force on `day` (README, `dangjian points rules`)."""
    out = []
    for r in rules.rules:
        v = r.version_on(day)
        if v is None:
            out.append(f"{r.name}（{r.key}）：{day} 不适用")
            continue
        caps = [
            f"每天最多 {v.daily_cap} 分" if v.daily_cap is not None else "",
            f"每月最多 {v.monthly_cap} 分" if v.monthly_cap is not None else "",
        ]
        cap = "，".join(c for c in caps if c)
        out.append(
            f"{r.name}（{r.key}，{ACTIONS[r.action]}）：{v.points:+d} 分"
            + (f"，{cap}" if cap else "")
            + f"（第 {v.number} 版，{v.start} 起）"
        )
    return out


def keys(rules: Iterable[Rule]) -> list[str]:
    return [r.key for r in rules]
