"""What members type: the argument after a command word, kept as typed."""

from __future__ import annotations

from bot.text import typed_after


def test_typed_after_keeps_what_the_member_typed() -> None:
    assert typed_after("驳回 12，时间写错了", "驳回", "12,时间写错了") == "12，时间写错了"
    assert typed_after("申報：志願服務 周六", "申报", "x") == "志願服務 周六"
    assert typed_after("心得  AI 让学习更方便", "心得", "ai 让学习更方便") == "AI 让学习更方便"
    assert typed_after("别的话", "心得", "fallback") == "fallback"
