"""Greetings, thanks and small talk (你好, 在吗, 谢谢, 好的, 你是谁 …): a short friendly reply that
says what the bot can do — never "没太明白" and never a policy answer.

A message is small talk when, after folding (full-width, traditional) and dropping punctuation,
spaces and emoji, it is made only of the phrases below plus particles and forms of address
(您好老师！, 好的谢谢🙏, 在嗎？？). Anything with more in it (你好，党费怎么交) is not: it goes on
to the commands and the policy library.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.dialog.types import Context, Reply
from bot.knowledge.analyzer import fold

# kind -> phrases. A message mixing kinds gets the reply of the first kind in KIND_ORDER.
PHRASES: dict[str, tuple[str, ...]] = {
    "who": (
        "你是谁",
        "您是谁",
        "你是什么",
        "你是机器人吗",
        "你是机器人",
        "是机器人吗",
        "你是人吗",
        "你是真人吗",
        "是真人吗",
        "你叫什么",
        "你叫什么名字",
        "你是干什么的",
        "你是做什么的",
        "你会什么",
        "你会干什么",
        "你有什么用",
        "这是什么",
        "这是哪里",
    ),
    "thanks": (
        "谢谢",
        "谢谢你",
        "谢谢您",
        "谢谢啦",
        "谢啦",
        "谢了",
        "多谢",
        "多谢了",
        "感谢",
        "非常感谢",
        "太感谢了",
        "感谢感谢",
        "辛苦了",
        "辛苦",
        "麻烦了",
        "麻烦你了",
        "麻烦您了",
        "thanks",
        "thankyou",
        "thx",
        "3q",
        "谢谢你的回答",
        "谢谢解答",
        "谢谢帮助",
    ),
    "bye": ("再见", "拜拜", "bye", "byebye", "回见", "下次见", "88", "886"),
    "night": ("晚安",),
    "hello": (
        "你好",
        "您好",
        "你们好",
        "大家好",
        "哈喽",
        "嗨",
        "hello",
        "hi",
        "hey",
        "在吗",
        "在么",
        "在不在",
        "在嘛",
        "在没",
        "有人吗",
        "有人在吗",
        "有人在么",
        "在线吗",
        "打扰了",
        "打扰一下",
        "早",
        "早上好",
        "早安",
        "上午好",
        "中午好",
        "下午好",
        "晚上好",
    ),
    "ack": (
        "好的",
        "好",
        "好吧",
        "好滴",
        "好哒",
        "好嘞",
        "好了",
        "行",
        "行的",
        "可以",
        "ok",
        "okay",
        "嗯",
        "嗯嗯",
        "哦",
        "噢",
        "喔",
        "收到",
        "明白",
        "明白了",
        "知道了",
        "了解",
        "懂了",
        "对",
        "是的",
        "没问题",
        "没事",
        "没事了",
        "哈哈",
        "哈哈哈",
        "呵呵",
        "赞",
        "棒",
        "不错",
    ),
}
KIND_ORDER = ("who", "thanks", "bye", "night", "hello", "ack")
# Words that may surround the phrases: particles and forms of address.
FILLERS = (
    "啊",
    "呀",
    "哈",
    "啦",
    "呢",
    "哦",
    "噢",
    "喔",
    "嘛",
    "吧",
    "了",
    "的",
    "哟",
    "呐",
    "嘿",
    "亲",
    "你",
    "您",
    "老师",
    "同志",
    "书记",
    "小助手",
    "助手",
    "机器人",
    "大家",
    "各位",
    "请问",
    "一下",
    "非常",
    "真",
    "太",
)
MAX_LENGTH = 24
_DROP = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")

CAN_DO = (
    "我是党建学习助手，可以陪您每日学习打卡、答题、查积分，也能回答党务和烟草零售的政策问题"
    "（如“党费怎么交”“烟证到期怎么续”）。发送「帮助」查看全部功能。"
)
BIND_HINT = "第一次用请先发送「绑定 姓名 手机号」。"
TIMES = ("早上好", "早安", "上午好", "中午好", "下午好", "晚上好")
PRESENCE = ("在吗", "在么", "在不在", "在嘛", "在没", "有人", "在线")


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], int]:
    """phrase or filler -> its kind ('' for fillers), and the longest phrase's length."""
    table: dict[str, str] = {fold(w): "" for w in FILLERS}
    for kind in reversed(KIND_ORDER):  # earlier kinds win on a shared phrase
        for phrase in PHRASES[kind]:
            table[fold(phrase)] = kind
    return table, max(len(w) for w in table)


def kinds(text: str) -> list[str] | None:
    """The small-talk kinds a message is made of (in order), or None when it is anything else.
    A message of only emoji (👍) counts as an acknowledgement, of only question marks as a
    hello (the reply says what the bot can do)."""
    if not text.strip():
        return None
    core = _DROP.sub("", fold(text))
    if not core:
        return ["hello"] if "?" in fold(text) else ["ack"]
    if len(core) > MAX_LENGTH:
        return None
    table, longest = _table()
    # the segmentation into known pieces with the fewest fillers (best[i]: of core[:i])
    best: list[tuple[int, list[str]] | None] = [None] * (len(core) + 1)
    best[0] = (0, [])
    for i in range(len(core)):
        if best[i] is None:
            continue
        fillers, found = best[i]  # type: ignore[misc]
        for n in range(1, min(longest, len(core) - i) + 1):
            kind = table.get(core[i : i + n])
            if kind is None:
                continue
            candidate = (fillers + (kind == ""), found + ([kind] if kind else []))
            current = best[i + n]
            if current is None or candidate[0] < current[0]:
                best[i + n] = candidate
    end = best[len(core)]
    if end is None or not end[1]:
        return None
    return end[1]


def match(text: str) -> str | None:
    """The intent table's matcher: '' when the message is small talk, else None. The text
    arrives in command form, without trailing punctuation: a message of only ？？ is empty."""
    return "" if not text or kinds(text) is not None else None


def reply(ctx: Context, args: str) -> Reply | str | None:
    found = kinds(ctx.inbound.text) or ["ack"]
    kind = min(found, key=KIND_ORDER.index)
    member = ctx.member
    hint = "" if member is not None else BIND_HINT
    if kind == "who":
        return f"{CAN_DO}{hint}我是自动回复的，需要真人解答请发送「转人工」。"
    if kind == "thanks":
        return (
            "不客气！还想学习打卡、答题，或者有党务、烟草零售的政策问题，随时发给我。"
            f"{hint}发送「帮助」查看全部功能。"
        )
    if kind == "bye":
        return "再见！想学习打卡、答题或问政策问题，随时发消息给我。"
    if kind == "night":
        return "晚安！明天记得来学习打卡、答题。"
    if kind == "hello":
        name = f"{member.name}同志，" if member is not None else ""
        return f"{name}{_greeting(ctx.inbound.text)}{CAN_DO}{hint}"
    return (
        "好的！需要时发送「打卡」「答题」，或直接问党务和烟草零售的政策问题。"
        f"{hint}发送「帮助」查看全部功能。"
    )


def _greeting(text: str) -> str:
    """您好！, or the time of day the member used, or 在的！ for 在吗."""
    folded = fold(text)
    for phrase in TIMES:
        if phrase in folded:
            return "早上好！" if phrase == "早安" else f"{phrase}！"
    if any(p in folded for p in PRESENCE):
        return "在的！"
    if _DROP.sub("", folded) == "早":
        return "早上好！"
    return "您好！"


__all__ = ["kinds", "match", "reply"]
