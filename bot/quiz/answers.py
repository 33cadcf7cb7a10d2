"""Reading answers the way people type them.

Choice questions: `A`, `a`, `Ａ`, `选A`, `答案是B`, `AC`, `A,C`, `A、C`, `a c`, `CA`.
Judge questions: 对 错 √ × ✓ ✗ 正确 错误 是 否 T F 对的 错的 (and a few more).
Blank questions: compared after normalization (full width, case, spaces and punctuation ignored);
digits and Chinese numerals are accepted exactly as the bank lists them (`["8", 八]`).

Every function returns None for "this is not an answer" and never raises.
"""

from __future__ import annotations

import re
import unicodedata

from bot.text import to_simplified

LETTERS = "ABCDEF"
# What people put before the letters: 选A, 我选AC, 答案是B, 答案：B, 应该选 C
_PREFIX = re.compile(
    r"^(?:我(?:觉得)?)?(?:应该)?(?:答案(?:应该)?(?:是|为)?|选项|选择?|答)?(?:选项)?(?:是|为)?[:：]?\s*"
)
_SUFFIX = re.compile(r"(?:选项|项|吧|呀|啊|呢|的)$")
_SEPARATORS = re.compile(r"[\s,，、;；/|｜+和与及]+")
_EDGE_PUNCT = "。．.!！?？~～'\"“”‘’()（）[]【】<>《》"

JUDGE_TRUE = {
    "对", "√", "✓", "✔", "正确", "是", "t", "true", "对的", "是的", "正确的", "yes", "y", "o",
    "对啊", "对呀", "对了", "没错", "○", "〇",
}  # fmt: skip
JUDGE_FALSE = {
    "错", "×", "✗", "✘", "x", "错误", "否", "f", "false", "错的", "错误的", "不对", "不是",
    "no", "n", "错了", "不正确", "╳",
}  # fmt: skip


def _base(text: str) -> str:
    """NFKC (full width → half width), simplified, trimmed of edge punctuation."""
    if not isinstance(text, str):
        return ""
    value = unicodedata.normalize("NFKC", text)
    value = to_simplified(value)
    return value.strip().strip(_EDGE_PUNCT).strip()


def parse_letters(text: str, allowed: str = LETTERS) -> str | None:
    """Sorted unique letters (e.g. "AC"), or None when the text is not a letter answer."""
    try:
        value = _base(text)
        if not value:
            return None
        value = _PREFIX.sub("", value, count=1)
        value = _SUFFIX.sub("", value).strip()
        value = _SEPARATORS.sub("", value).strip(_EDGE_PUNCT)
        if not value or len(value) > len(LETTERS) * 2:
            return None
        upper = value.upper()
        if any(ch not in allowed.upper() for ch in upper):
            return None
        letters = sorted(set(upper))
        return "".join(letters)
    except Exception:  # never raise on member input
        return None


def parse_judge(text: str) -> str | None:
    """对 / 错, or None."""
    try:
        value = _base(text).lower()
        value = re.sub(r"^(?:我(?:觉得)?)?(?:答案(?:是|为)?|选)[:：]?\s*", "", value)
        value = re.sub(r"\s+", "", value).strip(_EDGE_PUNCT)
        if value in JUDGE_TRUE:
            return "对"
        if value in JUDGE_FALSE:
            return "错"
        return None
    except Exception:
        return None


def normalize_blank(text: str) -> str:
    """The comparison form of a blank answer: no spaces, punctuation or symbols, lower case."""
    try:
        value = to_simplified(unicodedata.normalize("NFKC", str(text))).lower()
        return "".join(
            ch for ch in value if not unicodedata.category(ch).startswith(("P", "S", "Z", "C"))
        )
    except Exception:
        return ""


def parse_blank(text: str) -> str | None:
    """The normalized text; a lone option letter (Ａ, b) is a slip, not an answer to a blank."""
    value = normalize_blank(text)
    if len(value) == 1 and value.isascii() and value.isalpha():
        return None
    return value or None


def parse(qtype: str, text: str, allowed: str = LETTERS) -> str | None:
    """The canonical answer for a question type: letters, 对/错, or normalized blank text."""
    if qtype in ("single", "multi"):
        letters = parse_letters(text, allowed)
        if letters is None:
            return None
        if qtype == "single" and len(letters) != 1:
            return None
        return letters
    if qtype == "judge":
        return parse_judge(text)
    if qtype == "blank":
        return parse_blank(text)
    return None


def blank_correct(answer: str, accepted: tuple[str, ...] | list[str]) -> bool:
    got = normalize_blank(answer)
    return bool(got) and any(got == normalize_blank(a) for a in accepted)
