"""Text normalization for what members type: full width, traditional characters, spacing."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

_t2s = OpenCC("t2s")
_SPACE = re.compile(r"\s+")
# Punctuation that may trail a command: 打卡！ 帮助？ 答题。
TRAILING = "。．.!！?？~～,，、;；:：…"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


@lru_cache(maxsize=4096)
def to_simplified(text: str) -> str:
    return str(_t2s.convert(text))


def normalize(text: str) -> str:
    """NFKC (full width to half width), traditional to simplified, single spaces, trimmed."""
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text)
    return _SPACE.sub(" ", text).strip()


# Characters a roster cell or a typed name can carry that do not make it another name.
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff\u00ad]+")
_DOTS = re.compile(r"[\u00b7\u2022\u2027\u2219\u22c5\u30fb\uff65\ufe52\u0387\u16eb.．]")


def name_key(name: str) -> str:
    """The form two spellings of one person's name share: NFKC (full width, compatibility
    ideographs), traditional to simplified, no spaces (ASCII or ideographic) or invisible
    characters, one kind of middle dot (阿依·买买提), case folded. Rare characters such as 㛃
    (CJK extension A) are kept as they are."""
    text = unicodedata.normalize("NFKC", name)
    text = to_simplified(text)
    text = _INVISIBLE.sub("", text)
    text = _DOTS.sub("·", text)
    return text.casefold()


def command_form(text: str) -> str:
    """The form used to match commands: normalized, lower case, trailing punctuation removed."""
    return normalize(text).lower().rstrip(TRAILING).strip()


def typed_after(raw: str, word: str, fallback: str) -> str:
    """What a member typed after a command word, as typed (case, full-width punctuation and
    traditional characters kept): the argument text to store or pass on. `fallback` (the
    normalized argument text) when the word can't be found at the start."""
    text = strip_control(raw).strip()
    for k in range(1, min(len(text), len(word) + 4) + 1):
        if normalize(text[:k]).lower() == word:
            return text[k:].lstrip(" \t:：,，").strip()
    return fallback


def strip_control(text: str) -> str:
    """Remove characters that are not allowed in XML 1.0 (keeps tab and newlines)."""
    return _CONTROL.sub("", text)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def utf8_len(text: str) -> int:
    """Bytes in UTF-8: WeChat limits a text reply to 2048 of them."""
    return len(text.encode("utf-8", "replace"))


def shorten_bytes(text: str, limit: int) -> str:
    """`text` cut (with …) so that it takes at most `limit` bytes in UTF-8."""
    if utf8_len(text) <= limit:
        return text
    out, used = [], utf8_len("…")
    for ch in text:
        used += utf8_len(ch)
        if used > limit:
            break
        out.append(ch)
    return "".join(out) + "…"
