"""Everything the bot sends shows on any Chinese font: no emoji (✅ ❌ ⏭ turn into boxes on
machines without an emoji font), only characters of GBK, which every Chinese font covers.

Scanned: every string literal in bot/ but docstrings for pictographs (replies, pushes, CLI
output; the modules that only read what members type are left out), and the shipped content
and question banks and the replies to the commands of the intent table for anything outside
GBK."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.channels.peer import WeChatPeer
from tests.conftest import Member

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
# Modules that only *read* input: they list what members may type (✓ ✗ for 对 / 错).
INPUT_ONLY = {BOT / "quiz" / "answers.py"}
# Pictographs: what a string literal in the code must never hold (code may still name joiners
# and ranges, e.g. to cut text without splitting an emoji a member typed).
PICTOGRAPH = re.compile("[\U0001f000-\U0001ffff\u2600-\u27bf\u2b00-\u2bff\u23e9-\u23fa]")
EMOJI = re.compile(
    "[\U0001f000-\U0001ffff\u2600-\u27bf\u2b00-\u2bff\u23e9-\u23fa\ufe0f\u200d\u20e3]"
)


def unsafe(text: str) -> list[str]:
    """Characters of `text` that are emoji or that a Chinese font may lack (outside GBK)."""
    bad = []
    for ch in set(text):
        if EMOJI.match(ch):
            bad.append(ch)
            continue
        try:
            ch.encode("gbk")
        except UnicodeEncodeError:
            bad.append(ch)
    return sorted(bad)


def literals(path: Path) -> list[tuple[int, str]]:
    """String constants of a module, docstrings left out (they are never sent)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
    ]


def test_the_check_sees_emoji() -> None:
    assert unsafe("✅ 回答正确") == ["✅"]
    assert unsafe("⏭ 已跳过 😀") == ["⏭", "😀"]
    assert unsafe("√ 回答正确 × 答错了 → 已跳过 ——“党费”·…【】（）") == []


def test_no_emoji_in_the_code() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {''.join(PICTOGRAPH.findall(text))}"
        for path in sorted(BOT.rglob("*.py"))
        if path not in INPUT_ONLY
        for line, text in literals(path)
        if PICTOGRAPH.search(text)
    ]
    assert not found, found
    assert PICTOGRAPH.search("✅ 回答正确") and PICTOGRAPH.search("⏭") and PICTOGRAPH.search("😀")


def test_no_emoji_in_the_content() -> None:
    data = BOT / "data"
    files = [*data.rglob("*.md"), *data.rglob("*.yaml"), *data.rglob("*.tsv")]
    assert len(files) > 50
    found = [
        f"{p.relative_to(ROOT)}:{n}: {''.join(unsafe(line))}"
        for p in sorted(files)
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if unsafe(line)
    ]
    assert not found, found


def test_no_emoji_in_replies(wechat: WeChatPeer, zhangwei: Member, secretary: Member) -> None:
    from bot.dialog.intents import INTENTS

    said = []
    for intent in INTENTS:
        for word in intent.words:
            said.append(zhangwei.say(word))
            said.append(secretary.say(word))
            secretary.say("取消")
    said += [zhangwei.say("答题"), zhangwei.say("A"), zhangwei.say("跳过"), zhangwei.say("B")]
    assert any(text.startswith(("√", "×", "→")) for text in said)
    bad = {text[:30]: unsafe(text) for text in said if unsafe(text)}
    assert not bad, bad
