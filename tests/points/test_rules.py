"""points.yaml: the shipped rules, a site's rules over them, dated versions, and what
`dangjian check-content` refuses (unknown actions, overlapping versions, negative caps …)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import SHIPPED_CONTENT
from bot.points import rules

SITE_RULES = """
rules:
  - key: checkin
    name: 学习打卡
    action: checkin
    versions:
      - {version: 1, from: 2024-01-01, points: 1, daily_cap: 1}
      - {version: 2, from: 2027-01-01, points: 2, daily_cap: 2}
  - key: volunteer
    name: 志愿服务
    action: claim
    aliases: [志愿者]
    versions:
      - {version: 1, from: 2024-01-01, until: 2026-06-30, points: 3}
"""


def site(tmp_path: Path, text: str) -> Path:
    content = tmp_path / "content"
    content.mkdir(parents=True, exist_ok=True)
    (content / "points.yaml").write_text(text, encoding="utf-8")
    return content


def test_the_shipped_rules_are_valid_and_cover_every_action() -> None:
    assert rules.validate([SHIPPED_CONTENT]) == []
    shipped = rules.load([SHIPPED_CONTENT])
    assert {r.action for r in shipped.rules} == set(rules.ACTIONS)
    # The kinds the ledger had before rules were configuration are rule keys (migration 0120).
    assert {"checkin", "quiz", "reflection", "meeting"} <= {r.key for r in shipped.rules}
    assert [i.name for i in shipped.group_items] == ["落实决议", "特色活动", "工作业绩"]
    assert shipped.claim_category("志愿服务") is shipped.rule("volunteer")
    assert shipped.claim_category("志願服務") is shipped.rule("volunteer")  # traditional
    assert shipped.group_item("决议") is shipped.group_items[0]


def test_a_site_file_replaces_the_shipped_one_and_versions_are_dated(tmp_path: Path) -> None:
    loaded = rules.load([SHIPPED_CONTENT, site(tmp_path, SITE_RULES)])
    assert [r.key for r in loaded.rules] == ["checkin", "volunteer"]
    checkin = loaded.rule("checkin")
    assert checkin is not None
    assert checkin.version_on("2026-12-31").number == 1  # type: ignore[union-attr]
    assert checkin.version_on("2027-01-01").number == 2  # type: ignore[union-attr]
    assert checkin.version_on("2023-12-31") is None  # before the first version
    volunteer = loaded.rule("volunteer")
    assert volunteer is not None and volunteer.version_on(dt.date(2026, 6, 30)) is not None
    assert volunteer.version_on(dt.date(2026, 7, 1)) is None  # `until` ended it
    assert loaded.stars == rules.DEFAULT_STARS  # sections left out keep their defaults


BROKEN = """
rules:
  - key: checkin
    name: 学习打卡
    action: check_in
    versions:
      - {version: 1, from: 2024-01-01, points: 1}
  - key: quiz
    name: 每日答题
    action: quiz_right
    versions:
      - {version: 1, from: 2024-01-01, until: 2027-03-01, points: 1}
      - {version: 2, from: 2027-01-01, points: 2}
  - key: meeting
    name: 会议出勤
    action: meeting
    versions:
      - {version: 1, from: 2024-01-01, points: 2, daily_cap: -1}
  - key: reflection
    name: 学习心得
    action: reflection
    versions:
      - {version: 1, from: 2024-01-01, points: 1}
group_items:
  - {key: resolutions, name: 落实决议, max: 0}
stars:
  quarter: [10, 5, 20, 30, 40]
unknown_section: 1
"""


def test_check_content_lists_unknown_actions_overlaps_and_negative_caps(tmp_path: Path) -> None:
    content = site(tmp_path, BROKEN)
    errors = [str(e) for e in rules.validate([SHIPPED_CONTENT, content])]
    text = "\n".join(errors)
    assert "rule 'checkin': unknown action 'check_in'" in text
    assert "versions 1 and 2 overlap" in text
    assert "`daily_cap` must be a whole number, 0 or more (got -1)" in text
    assert "group item 'resolutions': `max` must be a whole number above 0" in text
    assert "stars.quarter: five growing whole numbers" in text
    assert "unknown section 'unknown_section'" in text
    assert all(e.startswith(f"{content / 'points.yaml'}:") for e in errors)  # file and line
    assert f"{content / 'points.yaml'}:3:" in text  # the checkin rule starts on line 3

    result = CliRunner().invoke(main, ["check-content"], env={"DANGJIAN_HOME": str(tmp_path)})
    assert result.exit_code == 1
    assert "unknown action 'check_in'" in result.output


def test_loading_leaves_out_only_the_broken_rules(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        loaded = rules.load([SHIPPED_CONTENT, site(tmp_path, BROKEN)])
    assert [r.key for r in loaded.rules] == ["reflection"]
    assert "unknown action 'check_in'" in caplog.text


def test_an_unreadable_site_file_falls_back_to_the_shipped_rules(tmp_path: Path) -> None:
    loaded = rules.load([SHIPPED_CONTENT, site(tmp_path, "rules: [unclosed")])
    assert loaded.source.endswith("data/content/points.yaml")
    assert len(loaded) == len(rules.load([SHIPPED_CONTENT]))
    errors = rules.validate([SHIPPED_CONTENT, tmp_path / "content"])
    assert len(errors) == 1 and "not valid YAML" in str(errors[0])


def test_claim_words_must_name_one_category(tmp_path: Path) -> None:
    text = SITE_RULES + (
        "  - key: service\n    name: 服务\n    action: claim\n    aliases: [志愿者]\n"
        "    versions:\n      - {version: 1, from: 2024-01-01, points: 1}\n"
    )
    errors = [str(e) for e in rules.validate([site(tmp_path, text)])]
    assert any("claim word '志愿者' also names the category 'volunteer'" in e for e in errors)


def test_stars_follow_the_thresholds() -> None:
    shipped = rules.load([SHIPPED_CONTENT])
    low, *_, high = shipped.stars["quarter"]
    assert shipped.stars_for("quarter", low - 1) == 0
    assert shipped.stars_for("quarter", low) == 1
    assert shipped.stars_for("quarter", high) == 5
    assert shipped.stars_for("quarter", high * 10) == 5
