"""每日答题 in the chat: 答题, 再练一组, 错题, and the answers while a set is in progress.

The set in progress lives in ctx.state["quiz"] = {"session": id, "active": bool}; the questions,
answers and times live in storage (quiz_sessions / quiz_attempts), so 退出 keeps the progress
and 答题 later the same day resumes it.

Day boundary: a set belongs to the day it was started. Started at 23:58 and answered at 00:01,
it can be finished (answers within 30 minutes of each question) and its points, streak and
ranking count for the day it was started; `答题` on the new day starts the new day's set.

Other commands and policy questions still work during a quiz: `on_state` returns None for a
command word or a question, so the router passes them on and the quiz state is kept.
"""

from __future__ import annotations

import re
from typing import Any

from bot.dialog.types import Context, Reply
from bot.quiz import answers, play
from bot.quiz.bank import QuizBank
from bot.quiz.selection import shown_options
from bot.text import shorten, shorten_bytes, utf8_len
from storage import quiz as store_quiz

REPLY_LIMIT = 600
REPLY_BYTES = 2000  # WeChat shows a text reply of at most 2048 bytes (UTF-8)
MAX_EXPLANATION = 80  # characters of an explanation in 错题
MIN_EXPLANATION = 12  # …and the fewest worth showing before leaving a question for later
EXIT_WORDS = {"退出", "退出答题", "结束答题", "不答了", "暂停", "暂停答题"}
SKIP_WORDS = {"跳过", "跳过这题", "不会", "不知道", "pass"}
COMMAND_SEPARATORS = (" ", ":", "：", ",", "，")
QUESTION_WORDS = (
    "怎么", "怎样", "如何", "什么", "为什么", "为何", "哪里", "哪些", "哪个", "多少", "能不能",
    "可不可以", "可以吗", "能否", "是否", "请问", "吗", "呢", "需要", "办理", "咨询",
)  # fmt: skip
# For a blank question any text could be the answer: only clear questions pass through.
STRONG_QUESTION_WORDS = ("怎么", "怎样", "如何", "什么", "为什么", "哪", "吗", "请问", "能不能")
HINTS = {
    "single": "回复选项字母作答，如 A",
    "multi": "多选题，回复全部正确选项，如 AC",
    "judge": "回复「对」或「错」",
    "blank": "直接回复要填的内容",
}
EMPTY_BANK = "题库还是空的，请联系支部书记导入题目。"


# -- entry points -------------------------------------------------------------------------------


def start(ctx: Context, args: str) -> Reply | str | None:
    """答题: today's daily set — start it, resume it, or report the finished score."""
    member = ctx.member
    assert member is not None
    bank = _bank(ctx)
    session = store_quiz.daily_session(ctx.store, member.id, ctx.today)
    if session is not None and session["finished_at"]:
        _leave(ctx, int(session["id"]))
        return (
            f"今天的每日答题已完成：答对 {session['score']}/{session['size']} 题，"
            f"积分 +{session['points']}。\n想多练发送「再练一组」，复习发送「错题」。"
        )
    if not len(bank):
        return EMPTY_BANK
    if session is not None:
        return _resume(ctx, session, "接着答今天的题：")
    return _start(ctx, bank, member.id, "daily", "今天的每日答题共 {size} 题，答完就知道对错。")


def practice(ctx: Context, args: str) -> Reply | str | None:
    """再练一组: a practice set without points, after today's daily set."""
    member = ctx.member
    assert member is not None
    bank = _bank(ctx)
    if not len(bank):
        return EMPTY_BANK
    daily = store_quiz.daily_session(ctx.store, member.id, ctx.today)
    if daily is None or not daily["finished_at"]:
        return "先完成今天的每日答题吧，发送「答题」开始。"
    last = store_quiz.latest_practice(ctx.store, member.id, ctx.today)
    if last is not None and not last["finished_at"]:
        return _resume(ctx, last, "接着练：")
    return _start(ctx, bank, member.id, "practice", "练习一组 {size} 题（练习不计积分）。")


def _start(ctx: Context, bank: QuizBank, member_id: int, kind: str, intro: str) -> str:
    """Draw a new set of `kind` (daily / practice) and show its first question."""
    session_id = play.start_set(
        ctx.store, bank, member_id, ctx.today, kind, ctx.settings.quiz_size, ctx.stamp
    )
    if session_id is None:
        return EMPTY_BANK
    session = store_quiz.get_session(ctx.store, session_id)
    assert session is not None
    return _resume(ctx, session, intro.format(size=session["size"]))


def wrong_book(ctx: Context, args: str) -> Reply | str | None:
    """错题: the member's open wrong answers — each stem whole, the answer, and as much of the
    explanation as fits in one WeChat reply."""
    member = ctx.member
    assert member is not None
    bank = _bank(ctx)
    rows = [r for r in store_quiz.open_reviews(ctx.store, member.id) if bank.get(r["question_id"])]
    if not rows:
        return "错题本是空的，继续保持！发送「答题」参加每日答题。"
    lines = [f"你还有 {len(rows)} 道错题（1、3、7天后会在每日答题里复习，都答对就移出）："]
    more = f"……还有 {len(rows)} 道，答题时会陆续复习。"
    used = utf8_len(lines[0])
    shown = 0
    for row in rows:
        q = bank.get(row["question_id"])
        assert q is not None
        head = f"{shown + 1}. {q.stem}\n答案：{shorten(q.answer_text(), 80)}\n"
        tail = f"（{shorten(q.source, 30)}）"
        room = REPLY_BYTES - used - utf8_len(more) - utf8_len(head + "解析：" + tail) - 2
        if room < utf8_len("…") + 3 * MIN_EXPLANATION:
            if shown:  # no room for this one: the next reply (答题) brings it back
                break
            room = max(room, 0)  # the first stem is always shown whole
        explanation = shorten_bytes(shorten(q.explanation, MAX_EXPLANATION), room)
        block = head + (f"解析：{explanation}{tail}" if room > 0 else f"出处：{q.source}")
        lines.append(block)
        used += utf8_len(block) + 1
        shown += 1
    if shown < len(rows):
        lines.append(f"……还有 {len(rows) - shown} 道，答题时会陆续复习。")
    return "\n".join(lines)


def on_state(ctx: Context, text: str) -> Reply | str | None:
    """An answer to the question in progress; None for anything that is not for the quiz."""
    st = ctx.state.get("quiz")
    if not isinstance(st, dict) or not st.get("active") or ctx.member is None:
        return None
    member = ctx.member
    bank = _bank(ctx)
    session = store_quiz.get_session(ctx.store, _int(st.get("session")))
    if session is None or session["member_id"] != member.id or session["finished_at"]:
        ctx.state.pop("quiz", None)
        return None
    if text in EXIT_WORDS:
        st["active"] = False
        again = "今天发送「答题」" if session["kind"] == "daily" else "发送「再练一组」"
        return f"已退出答题，进度已保存。{again}可以接着答。"
    cur = play.current(ctx.store, bank, int(session["id"]))
    if play.expired(session, cur, ctx.now, ctx.today):
        ctx.state.pop("quiz", None)
        if _is_command(text) or _looks_like_question(ctx, text):
            return None
        return "上次的答题已经过了时间，没答完的不计分。发送「答题」开始今天的答题。"
    if cur is None:  # every question answered but not scored (e.g. the bank changed)
        return _finish(ctx, session, [])
    if text in SKIP_WORDS:
        return _answer(ctx, session, cur, None)
    if _is_command(text):
        return None
    if cur.question.type == "blank":
        if _looks_like_question(ctx, text, STRONG_QUESTION_WORDS) or len(text) > 40:
            return None
        given = play.parse(cur, text)
    else:
        given = play.parse(cur, text)
        if given is None and (_looks_like_question(ctx, text) or _starts_with_command(text)):
            return None
    if given is None:
        play.present(ctx.store, member.id, str(session["day"]), cur, ctx.stamp)
        hint = HINTS[cur.question.type]
        if cur.question.type == "single" and len(answers.parse_letters(text) or "") > 1:
            hint = "这是单选题，只能选一个字母"
        return f"没看懂这个答案。{hint}；也可以回复「跳过」或「退出」。\n\n" + _question_text(cur)
    return _answer(ctx, session, cur, given)


# -- the flow -------------------------------------------------------------------------------


def _bank(ctx: Context) -> QuizBank:
    bank = ctx.services.quizzes
    return bank if isinstance(bank, QuizBank) else QuizBank()


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _leave(ctx: Context, session_id: int) -> None:
    st = ctx.state.get("quiz")
    if isinstance(st, dict) and _int(st.get("session")) == session_id:
        ctx.state.pop("quiz", None)


def _resume(ctx: Context, session: dict[str, Any], head: str) -> str:
    member = ctx.member
    assert member is not None
    cur = play.current(ctx.store, _bank(ctx), int(session["id"]))
    if cur is None:
        return _finish(ctx, session, [head.rstrip("：:")])
    ctx.state["quiz"] = {"session": int(session["id"]), "active": True}
    play.present(ctx.store, member.id, str(session["day"]), cur, ctx.stamp)
    return head + "\n\n" + _question_text(cur)


def _answer(ctx: Context, session: dict[str, Any], cur: play.Current, given: str | None) -> str:
    member = ctx.member
    assert member is not None
    result = play.submit(ctx.store, member.id, session, cur, given, ctx.stamp)
    if result is None:  # already answered (should not happen): show where we are
        return _resume(ctx, session, "")
    feedback = _feedback(result, cur.shown)
    nxt = play.current(ctx.store, _bank(ctx), int(session["id"]))
    if nxt is None:
        return _finish(ctx, session, feedback)
    play.present(ctx.store, member.id, str(session["day"]), nxt, ctx.stamp)
    return _fit(feedback, _question_text(nxt))


def _finish(ctx: Context, session: dict[str, Any], feedback: list[str]) -> str:
    member = ctx.member
    assert member is not None
    summary = play.finish(
        ctx.store, ctx.services.points, member.id, member.group_id, session, ctx.stamp
    )
    ctx.state.pop("quiz", None)
    lines: list[str] = []
    if summary.kind == "daily":
        pts = f"积分 +{summary.points}"
        if summary.capped:
            pts += "（今日答题积分已满）"
        lines.append(f"本组答完！答对 {summary.score}/{summary.total} 题，{pts}。")
        tail = f"已连续答题 {summary.streak} 天"
        if summary.rank is not None and member.group:
            rank, count = summary.rank
            tail += f"，今天在{member.group}排第 {rank} 名（已完成 {count} 人）"
        lines.append(tail + "。")
        lines.append("想多练发送「再练一组」，复习发送「错题」。")
    else:
        lines.append(f"练习完成！答对 {summary.score}/{summary.total} 题（练习不计积分）。")
        lines.append("发送「再练一组」继续，发送「错题」复习。")
    return _fit(feedback, "\n".join(lines))


def _feedback(result: play.Result, shown: str) -> list[str]:
    """[verdict + right answer, explanation, source]."""
    q = result.question
    answer = result.right_answer
    if q.choice:
        texts = dict(shown_options(q, shown))
        words = "；".join(shorten(texts.get(letter, ""), 24) for letter in answer)
        answer = f"{answer}（{words}）"
    if result.correct:
        verdict = f"√ 回答正确！答案：{answer}"
    elif result.skipped:
        verdict = f"→ 已跳过。正确答案：{answer}"
    else:
        verdict = f"× 答错了。正确答案：{answer}"
    return [verdict, f"解析：{q.explanation}", f"出处：{q.source}"]


def _fit(feedback: list[str], rest: str) -> str:
    """Feedback then the rest, with the explanation shortened to keep the reply short."""
    if not feedback:
        return rest
    verdict, explanation, source = feedback
    room = REPLY_LIMIT - len(verdict) - len(source) - len(rest) - 6
    explanation = shorten(explanation, max(30, room))
    return "\n".join([verdict, explanation, source]) + "\n\n" + rest


def _question_text(cur: play.Current) -> str:
    q = cur.question
    head = f"第{cur.number}/{cur.total}题 · {q.type_name}"
    if cur.review:
        head += "（错题复习）"
    lines = [head, shorten(q.stem, 160)]
    if q.choice:
        lines += [f"{letter}. {shorten(text, 50)}" for letter, text in shown_options(q, cur.shown)]
    lines.append(f"（{HINTS[q.type]}；跳过 / 退出）")
    return "\n".join(lines)


def _is_command(text: str) -> bool:
    """A word from the intent table (or a command with arguments, like 签到 1234)."""
    from bot.dialog.intents import INTENTS

    for intent in INTENTS:
        for word in intent.words:
            if text == word:
                return True
            if intent.args and text.startswith(word) and len(text) > len(word):
                follow = text[len(word)]
                if follow in COMMAND_SEPARATORS or follow.isdigit():
                    return True
    return False


def _starts_with_command(text: str) -> bool:
    """Text after a command word with no separator (心得今天学了……)."""
    from bot.dialog.intents import INTENTS

    return any(
        intent.args and len(word) >= 2 and text.startswith(word)
        for intent in INTENTS
        for word in intent.words
    )


_QUESTION_MARK = re.compile(r"[?？]")


def _looks_like_question(ctx: Context, text: str, words: tuple[str, ...] = QUESTION_WORDS) -> bool:
    """A policy question typed during a quiz: a question mark, or question words in a sentence."""
    raw = ctx.inbound.text or ""
    if _QUESTION_MARK.search(raw) and len(text) >= 2:
        return True
    return len(text) >= 4 and any(word in text for word in words)
