"""dangjian ask / gaps / handoffs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.services import Services
from storage import knowledge as kb


@pytest.fixture
def env(settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # no stray .env
    return {"DANGJIAN_DB": settings.db, "DANGJIAN_CONTENT_DIR": settings.content_dir}


def test_ask_json(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["ask", "烟证快过期了怎么延期", "--json"], env=env)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert set(doc) == {"answer", "suggestions"}
    assert doc["answer"]["id"] == "license-renewal"
    assert set(doc["answer"]) == {"id", "title", "score"}
    assert doc["answer"]["title"] == "烟草专卖零售许可证到期怎么延续"
    assert 0 < doc["answer"]["score"] <= 1
    for s in doc["suggestions"]:
        assert set(s) == {"id", "title", "score"} and s["id"] != "license-renewal"


def test_ask_stdin_one_json_per_line(env: dict[str, str]) -> None:
    lines = "今天天气怎么样\n\n小孩来买烟能卖吗\n处罚\n"
    result = CliRunner().invoke(main, ["ask", "-", "--json"], input=lines, env=env)
    assert result.exit_code == 0, result.output
    docs = [json.loads(line) for line in result.output.splitlines()]
    assert len(docs) == 3
    assert docs[0] == {"answer": None, "suggestions": []}
    assert docs[1]["answer"]["id"] == "minors-ban"
    assert docs[2]["answer"] is None and 1 <= len(docs[2]["suggestions"]) <= 3


def test_ask_plain_prints_the_member_reply(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["ask", "怎么打卡"], env=env)
    assert result.output.startswith("【学习打卡怎么用】") and "出处：" in result.output


def test_gaps_and_handoffs(env: dict[str, str], services: Services) -> None:
    store, now = services.store, "2026-12-01T10:00:00+08:00"
    for _ in range(2):
        kb.record_question(
            store, "wechat", "o1", 3, "烟花能卖吗", "烟花能卖吗", "none", None, None, now
        )
    q = kb.record_question(
        store, "wechat", "o1", 3, "党费怎么交", "党费怎么交", "answered", "party-dues", 0.9, now
    )
    kb.record_feedback(store, q, "party-dues", False, now)
    kb.open_handoff(store, "wechat", "o1", 3, q, "党费怎么交", 1, now)
    runner = CliRunner()
    gaps = runner.invoke(main, ["gaps", "--days", "36500"], env=env)
    assert gaps.exit_code == 0, gaps.output
    assert "   2  没答上  烟花能卖吗" in gaps.output
    assert "   1  没用（party-dues）  党费怎么交" in gaps.output
    listed = runner.invoke(main, ["handoffs"], env=env)
    assert "#1" in listed.output and "张伟（机关党支部） → 王建国：党费怎么交" in listed.output
    kb.close_handoff(store, 1, "按月交", 1, True, now)
    assert "没有待答复" in runner.invoke(main, ["handoffs"], env=env).output
