"""Every setting is documented in the README's configuration table (datasette's rule: a
setting nobody can find is a setting nobody can use)."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from bot.config import Settings
from bot.jobs.schedule import JOBS

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BOT = ROOT / "bot"
NOT_FROM_THE_ENVIRONMENT = {"demo", "extra"}  # `run --demo`; unknown DANGJIAN_* names


def _table() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## 配置")
    return text[start : text.index("\n## ", start + 1)]


def test_every_setting_is_in_the_readme_table() -> None:
    table = _table()
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    missing = [
        f.name.upper()
        for f in fields(Settings)
        if f.name not in NOT_FROM_THE_ENVIRONMENT and f.name.upper() not in documented
    ]
    assert missing == []


def _extra_names() -> set[str]:
    """The settings the code reads from `Settings.extra` (job times, scheduler, server)."""
    code = "\n".join(p.read_text(encoding="utf-8") for p in BOT.rglob("*.py"))
    names = set(re.findall(r'extra\.get\("([a-z0-9_]+)"', code))
    names |= {spec.setting for spec in JOBS}
    return {n.upper() for n in names}


def test_settings_read_from_extra_are_documented() -> None:
    text = README.read_text(encoding="utf-8")
    names = _extra_names()
    assert {"WEB_THREADS", "HOUSEKEEPING_AT", "LEASE_TTL"} <= names  # the scan finds them
    missing = sorted(n for n in names if n not in text)
    assert missing == []


def test_the_table_names_no_setting_that_does_not_exist() -> None:
    rows = [line for line in _table().splitlines() if line.startswith("| `")]
    names = {n for row in rows for n in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}
    known = {f.name.upper() for f in fields(Settings)} | _extra_names()
    assert names - known == set()
