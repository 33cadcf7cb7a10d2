"""The layout stays honest: storage never imports bot; bot/dialog never imports Flask,
wechatpy or channel code."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports(folder: Path) -> list[tuple[Path, str]]:
    found = []
    for path in folder.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(path, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.append((path, node.module))
    return found


def test_storage_never_imports_bot() -> None:
    bad = [(p, m) for p, m in imports(ROOT / "storage") if m == "bot" or m.startswith("bot.")]
    assert not bad, bad


def test_dialog_never_imports_web_or_channels() -> None:
    banned = ("flask", "werkzeug", "wechatpy", "bot.channels", "bot.app", "bot.web", "requests")
    bad = [(p, m) for p, m in imports(ROOT / "bot" / "dialog") if m.startswith(banned)]
    assert not bad, bad


def test_the_check_itself_sees_imports(tmp_path: Path) -> None:
    (tmp_path / "x.py").write_text("import flask\nfrom bot.channels import wechat\n")
    assert [m for _, m in imports(tmp_path)] == ["flask", "bot.channels"]
