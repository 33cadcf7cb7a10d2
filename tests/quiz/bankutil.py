"""Helpers for quiz tests: the fixture bank, synthetic banks, and reading a question message."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import SHIPPED_CONTENT
from bot.points import rules as points_rules
from bot.quiz.bank import Question, QuizBank

DATA = Path(__file__).parent / "data"
HEADER = re.compile(r"第(\d+)/(\d+)题 · (单选题|多选题|判断题|填空题)(（错题复习）)?\n(.+)")
OPTION = re.compile(r"^([A-F])\. (.+)$", re.M)


def fixture_bank() -> QuizBank:
    return QuizBank.load(DATA)


def synthetic(qtype: str, n: int, prefix: str = "") -> QuizBank:
    """n questions of one type with easy-to-find stems and answers."""
    out = []
    for i in range(1, n + 1):
        stem = f"{prefix}{qtype}第{i}号题：请选出正确的说法"
        if qtype == "single":
            options = (("A", "甲说法"), ("B", "乙说法"), ("C", "丙说法"), ("D", "丁说法"))
            answer: tuple[str, ...] = ("B",)
        elif qtype == "multi":
            options = (("A", "甲说法"), ("B", "乙说法"), ("C", "丙说法"), ("D", "丁说法"))
            answer = ("A", "C")
        elif qtype == "judge":
            options, answer = (), ("对" if i % 2 else "错",)
        else:
            options, answer = (), ("8", "八", "八项")
        out.append(
            Question(
                id=f"{qtype}-{i:03d}",
                type=qtype,
                stem=stem,
                options=options,
                answer=answer,
                explanation=f"这是第{i}号题的解析。",
                source="《测试文件》第一条",
                tags=(f"标签{i % 3}",),
            )
        )
    return QuizBank(out)


def current(reply: str, bank: QuizBank) -> tuple[int, int, Question, dict[str, str]]:
    """(N, M, question, shown letter -> option text) of the question shown in a reply."""
    match = HEADER.search(reply)
    assert match, reply
    stem = match.group(5)
    question = next(q for q in bank.questions if q.stem.startswith(stem.rstrip("…")))
    tail = reply[match.end() :]
    options = dict(OPTION.findall(tail))
    return int(match.group(1)), int(match.group(2)), question, options


def right_letters(question: Question, options: dict[str, str]) -> str:
    texts = question.option_map
    wanted = {texts[letter] for letter in question.answer}
    return "".join(sorted(letter for letter, text in options.items() if text in wanted))


def right_answer(reply: str, bank: QuizBank) -> str:
    """What to send to answer the shown question right."""
    _, _, q, options = current(reply, bank)
    if q.choice:
        return right_letters(q, options)
    return q.answer[0]


def wrong_answer(reply: str, bank: QuizBank) -> str:
    _, _, q, options = current(reply, bank)
    if q.choice:
        right = right_letters(q, options)
        return next(letter for letter in sorted(options) if letter not in right)
    if q.type == "judge":
        return "错" if q.answer[0] == "对" else "对"
    return "九项"


# The shipped points rules (points.yaml): what play.finish credits.
RULES = points_rules.load([SHIPPED_CONTENT])
