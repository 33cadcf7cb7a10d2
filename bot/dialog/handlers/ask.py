"""Policy questions (tier 3), 您是不是想问… picks, 有用/没用, 转人工 and the secretary's 回复.

Session state used here (ctx.state):
  clarify      {"ids": [...], "q": question, "at": stamp}  — asked back: waiting for a
               number or an option's word (在职 / 退休); any other message ends it
  suggest      {"ids": [...], "q": question, "at": stamp}  — waiting for 1/2/3
  last_answer  {"q": question, "entry": entry id, "at": …}  — what 有用/没用 rates (1 day)
  handoff_wait stamp                                       — 转人工 asked for the question

"question" is the key of the message that asked it (kb_questions.msg_key; a row id in
sessions from before that column): the question's row is written with the message's log row,
which on the read path happens a moment later, in a batch (`ctx.questions`).

Who receives a 转人工: a bound 零售户 → the member whose phone is settings.customer_manager
(when set), otherwise the branch's 支部书记 (then 管理员). An unbound follower → the customer
manager when set (people who are not on the roster are mostly store owners), otherwise the
支部书记/管理员 of the first branch. Nobody is ever sent their own question.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from bot.clock import stamp
from bot.dialog.types import Context, Reply
from bot.knowledge.analyzer import fold
from bot.text import normalize, shorten, strip_control
from storage import knowledge as kb
from storage import members
from storage.members import Member
from storage.outbox import Push

MAX_REPLY = 680  # WeChat text replies stay under 2048 bytes
SUGGEST_TTL = timedelta(minutes=30)
FEEDBACK_TTL = timedelta(days=1)
HANDOFF_LOOKBACK = timedelta(hours=2)
FEEDBACK_HINT = "回复“有用”或“没用”，帮我们改进答复。"
NO_STAFF = "暂时没有可以转接的工作人员。零售户的问题可拨打 12313，党务问题请直接联系支部书记。"
_NORM_KEEP = re.compile(r"[0-9a-z\u4e00-\u9fff]+")
_ANSWER = re.compile(r"^[#＃]?([0-9０-９]{1,9})\s*[:：,，、.。\s]\s*(\S.*)$", re.S)
_MARKDOWN = re.compile(r"(\*\*|__|`|^#{1,6}\s*)", re.M)


def question_norm(text: str) -> str:
    """The form questions are grouped by in `gaps`: folded, punctuation and spaces removed."""
    return "".join(_NORM_KEEP.findall(fold(text)))


def render_entry(entry: object) -> str:
    """title + body + 出处 + the feedback hint, within WeChat's reply limit."""
    title = getattr(entry, "title", "")
    body = _MARKDOWN.sub("", getattr(entry, "body", "")).strip()
    source = getattr(entry, "source", "")
    head = f"【{title}】\n"
    tail = f"\n出处：{shorten(source, 120)}\n{FEEDBACK_HINT}"
    room = MAX_REPLY - len(head) - len(tail)
    return head + shorten(body, max(room, 40)) + tail


def render_suggestions(entries: list) -> str:  # type: ignore[type-arg]
    """您是不是想问… with numbered titles, 回复 1/2/3, and the way to a person."""
    lines = ["没找到完全对应的答案，您是不是想问："]
    lines += [f"{i}. {getattr(e, 'title', '')}" for i, e in enumerate(entries, start=1)]
    choices = "/".join(str(i) for i in range(1, len(entries) + 1))
    lines.append(f"回复 {choices} 查看答复；都不是请回复“转人工”。")
    return "\n".join(lines)


def render_clarify(question: str, entries: list) -> str:  # type: ignore[type-arg]
    """The clarifying question, its numbered options and how to answer."""
    lines = [question]
    lines += [f"{i}. {getattr(e, 'choice', '')}" for i, e in enumerate(entries, start=1)]
    lines.append(f"回复 {_numbers(len(entries))} 就行。")
    return "\n".join(lines)


def _numbers(n: int) -> str:
    if n <= 2:
        return " 或 ".join(str(i) for i in range(1, n + 1))
    return f"1 到 {n}"


def _library(ctx: Context):  # type: ignore[no-untyped-def]
    return ctx.services.knowledge


def _member_id(ctx: Context) -> int | None:
    return ctx.member.id if ctx.member is not None else None


# The session keys of this module: a message that is not a command may be answered on the
# read path when the session holds nothing else (no quiz or broadcast in progress).
STATE_KEYS = frozenset({"clarify", "suggest", "last_answer", "handoff_wait"})


def _asked(
    ctx: Context, text: str, norm: str, outcome: str, entry_id: str | None, score: float | None
) -> str:
    """Record the question with the message (see `ctx.questions`); returns its reference."""
    inbound = ctx.inbound
    key = inbound.dedupe_key
    ctx.questions.append(
        {
            "channel": inbound.channel,
            "openid": inbound.user_id,
            "member_id": _member_id(ctx),
            "text": text,
            "norm": norm,
            "outcome": outcome,
            "entry_id": entry_id,
            "score": score,
            "now": ctx.stamp,
            "msg_key": key,
        }
    )
    return key


# -- tier 3: a question ---------------------------------------------------------------------


def question_text(raw: str) -> str:
    """The text searched for a message (control characters out, at most 500 characters)."""
    return strip_control(raw).strip()[:500]


def answer_question(ctx: Context, raw: str) -> Reply | str | None:
    library = _library(ctx)
    text = question_text(raw)
    norm = question_norm(text)
    if library is None or not norm:
        return None
    result = library.search(text)
    if result.answer is not None:
        hit = result.answer
        qid = _asked(ctx, text, norm, "answered", hit.entry.id, hit.score)
        ctx.state.pop("suggest", None)
        ctx.state.pop("handoff_wait", None)
        ctx.state["last_answer"] = {"q": qid, "entry": hit.entry.id, "at": ctx.stamp}
        return render_entry(hit.entry)
    if result.choices:
        top = max(result.choices, key=lambda h: h.score)
        qid = _asked(ctx, text, norm, "suggested", top.entry.id, top.score)
        ids = [h.entry.id for h in result.choices]
        ctx.state["clarify"] = {"ids": ids, "q": qid, "at": ctx.stamp}
        ctx.state.pop("suggest", None)
        ctx.state.pop("handoff_wait", None)
        return render_clarify(result.question, [h.entry for h in result.choices])
    if result.suggestions:
        top = result.suggestions[0]
        qid = _asked(ctx, text, norm, "suggested", top.entry.id, top.score)
        ids = [h.entry.id for h in result.suggestions]
        ctx.state["suggest"] = {"ids": ids, "q": qid, "at": ctx.stamp}
        ctx.state.pop("handoff_wait", None)
        ctx.state.pop("clarify", None)
        return render_suggestions([h.entry for h in result.suggestions])
    query = library.query(text)
    if len(norm) >= 2 and (query.words or len(query.bigrams) > 1):
        # everything unanswered is counted for `gaps` (greetings and thanks are not questions)
        _asked(ctx, text, norm, "none", None, None)
    return None


# -- tier 1: a pending suggestion or a question for 转人工 --------------------------------------


def on_state(ctx: Context, text: str) -> Reply | str | None:
    wait = ctx.state.get("handoff_wait")
    if wait is not None:
        ctx.state.pop("handoff_wait", None)
        if _fresh(ctx, wait) and not _is_command(text) and question_norm(text):
            question = strip_control(ctx.inbound.text).strip()[:500]
            return _handoff(ctx, question, None)
    if "clarify" in ctx.state:
        return _on_choice(ctx, text)
    pending = ctx.state.get("suggest")
    if not isinstance(pending, dict):
        return None
    if not _fresh(ctx, pending.get("at")):
        ctx.state.pop("suggest", None)
        return None
    ids = pending.get("ids") or []
    if not (text.isdigit() and 1 <= int(text) <= len(ids)):
        return None  # anything else: not for us, the suggestion stays
    ctx.state.pop("suggest", None)
    return _picked(ctx, pending, str(ids[int(text) - 1]))


def _picked(ctx: Context, pending: dict, entry_id: str) -> str:  # type: ignore[type-arg]
    library = _library(ctx)
    entry = library.get(entry_id) if library is not None else None
    if entry is None:
        return "这条内容刚刚更新过，请把问题重新发一遍。"
    ref = pending.get("q")
    qid = kb.question_id(ctx.store, ref)
    if qid is not None:
        kb.set_outcome(ctx.store, qid, "picked", entry.id, None)
    if qid is not None or isinstance(ref, str):  # (a row still in another process's batch)
        ctx.state["last_answer"] = {"q": ref, "entry": entry.id, "at": ctx.stamp}
    return render_entry(entry)


_CHINESE_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
MAX_CHOICE_TEXT = 20  # a longer message is a new question, not an answer to ours


def _on_choice(ctx: Context, text: str) -> Reply | str | None:
    """The answer to a clarifying question: its number or a word of one option (在职 / 退休).
    A number out of range asks again; any other message ends the question and is handled as
    usual."""
    pending = ctx.state.pop("clarify", None)
    if not isinstance(pending, dict) or not _fresh(ctx, pending.get("at")):
        return None
    ids = [str(i) for i in pending.get("ids") or []]
    library = _library(ctx)
    if not ids or library is None:
        return None
    number = _choice_number(text)
    if number is not None:
        if 1 <= number <= len(ids):
            return _picked(ctx, pending, ids[number - 1])
        ctx.state["clarify"] = pending  # still waiting
        return f"请回复 {_numbers(len(ids))}，选一个最符合您情况的。"
    if len(text) <= MAX_CHOICE_TEXT:
        named = []
        for entry_id in ids:
            entry = library.get(entry_id)
            if entry is not None and any(fold(w) in fold(text) for w in entry.picks):
                named.append(entry_id)
        if len(named) == 1:
            return _picked(ctx, pending, named[0])
    return None


def _choice_number(text: str) -> int | None:
    """1, ２, 第2个, 选2, 二 → the number; None when the text is not a number."""
    core = re.sub(r"^(第|选|选择)|(个|项|条|种|吧)$", "", text.strip())
    if core.isdigit() and len(core) <= 2:
        return int(normalize(core))
    return _CHINESE_DIGITS.get(core)


def _fresh(ctx: Context, at: object, ttl: timedelta = SUGGEST_TTL) -> bool:
    if not isinstance(at, str):
        return False
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        return False
    return ctx.now - when <= ttl


def _is_command(text: str) -> bool:
    from bot.dialog.intents import INTENTS  # the table imports this module

    for intent in INTENTS:
        for word in intent.words:
            if text == word or (intent.args and text.startswith(word)):
                return True
    return False


# -- 有用 / 没用 -------------------------------------------------------------------------------


def feedback_useful(ctx: Context, args: str) -> Reply | str | None:
    return _feedback(ctx, True)


def feedback_useless(ctx: Context, args: str) -> Reply | str | None:
    return _feedback(ctx, False)


def _feedback(ctx: Context, useful: bool) -> str:
    last = ctx.state.get("last_answer")
    qid = kb.question_id(ctx.store, last.get("q")) if isinstance(last, dict) else None
    if not isinstance(last, dict) or qid is None:
        return "请先提一个问题，看到答复后再回复“有用”或“没用”。"
    if not _fresh(ctx, last.get("at"), FEEDBACK_TTL):
        ctx.state.pop("last_answer", None)
        return "请先提一个问题，看到答复后再回复“有用”或“没用”。"
    kb.record_feedback(ctx.store, qid, str(last.get("entry") or ""), useful, ctx.stamp)
    ctx.state.pop("last_answer", None)
    if useful:
        return "谢谢您的评价，很高兴能帮上忙！"
    return "谢谢反馈，我们会改进这条答复。需要人工解答请回复“转人工”。"


# -- 转人工 ------------------------------------------------------------------------------------


def handoff(ctx: Context, args: str) -> Reply | str | None:
    """The policy question asked in the last HANDOFF_LOOKBACK goes to a person; without one,
    the member is asked for the question (an older question is not forwarded unasked)."""
    inbound = ctx.inbound
    since = stamp(ctx.now - HANDOFF_LOOKBACK)
    row = kb.last_question(ctx.store, inbound.channel, inbound.user_id, since)
    if row is not None:
        return _handoff(ctx, str(row["text"]), int(row["id"]))
    ctx.state["handoff_wait"] = ctx.stamp
    return "好的。请把您的问题用一条消息发给我，我会转给工作人员。"


def _handoff(ctx: Context, question: str, question_id: int | None) -> str:
    inbound = ctx.inbound
    store = ctx.store
    existing = kb.pending_handoff(store, inbound.channel, inbound.user_id, question)
    if existing is not None:
        return f"这个问题已经转过了（编号 {existing['id']}），请耐心等待答复。"
    recipient = _recipient(ctx)
    if recipient is None:
        return NO_STAFF
    number = kb.open_handoff(
        store, inbound.channel, inbound.user_id, _member_id(ctx), question_id, question,
        recipient.id, ctx.stamp,
    )  # fmt: skip
    asker = ctx.member
    who = f"{asker.name}（{asker.branch}·{asker.category}）" if asker else "一位未绑定的关注者"
    ctx.services.push(
        [
            Push(
                job=f"handoff:{number}",
                period=ctx.today,
                member_id=recipient.id,
                kind="notice",
                text=f"【转人工 {number}】{who}问：{shorten(question, 300)}\n"
                f"请发送“回复 {number} 您的答复”，答复会转给对方。",
            )
        ]
    )
    role = "客户经理" if _is_customer_manager(ctx, recipient) else recipient.role
    reply = f"已转给{role}{recipient.name}（编号 {number}），答复会通过这里发给您，请留意消息。"
    if asker is None:
        reply += (
            "\n您还没有绑定身份，绑定后才能收到答复：发送“绑定 姓名 手机号”。急事可拨打 12313。"
        )
    return reply


def _customer_manager(ctx: Context) -> Member | None:
    phone = str(ctx.settings.customer_manager or "").strip()
    manager = members.by_phone(ctx.store, phone) if phone else None
    return manager if manager is not None and manager.active else None


def _is_customer_manager(ctx: Context, member: Member) -> bool:
    manager = _customer_manager(ctx)
    return manager is not None and manager.id == member.id


def _recipient(ctx: Context) -> Member | None:
    asker = ctx.member
    me = asker.id if asker is not None else None
    manager = _customer_manager(ctx)
    if manager is not None and manager.id != me and (asker is None or asker.category == "零售户"):
        return manager
    if asker is not None:
        for person in members.secretaries(ctx.store, asker.branch_id):
            if person.id != me:
                return person
    for branch in members.branches(ctx.store):
        for person in members.secretaries(ctx.store, int(branch["id"])):
            if person.id != me:
                return person
    return None


# -- 回复 编号 内容 (secretary / customer manager) ---------------------------------------------


def _may_answer(ctx: Context, me: Member, row: dict[str, Any]) -> bool:
    """A 管理员 answers any hand-off; a 支部书记 those of their own 支部 (the asker's, or for an
    unbound follower the assignee's); anyone the hand-off was assigned to (客户经理) theirs."""
    if me.role == "管理员" or row["assignee_id"] == me.id:
        return True
    if me.role != "支部书记":
        return False
    owner = row["member_id"] if row["member_id"] is not None else row["assignee_id"]
    person = members.get(ctx.store, int(owner)) if owner is not None else None
    return person is not None and person.branch_id == me.branch_id


def answer_handoff(ctx: Context, args: str) -> Reply | str | None:
    me = ctx.member
    if me is None:
        return None
    raw = strip_control(ctx.inbound.text).strip()  # the answer as typed (no NFKC)
    rest = raw[2:].lstrip(" :：,，") if raw.startswith("回复") else args
    match = _ANSWER.match(rest.strip())
    if match is None:
        return None  # 回复 as part of a question: let the library try
    number = int(normalize(match.group(1)))
    answer = match.group(2).strip()
    row = kb.handoff(ctx.store, number)
    if row is None or not _may_answer(ctx, me, row):
        if me.is_secretary:  # the same words whether it does not exist or is another branch's
            return f"没有编号 {number} 的本支部转人工问题，请核对编号。"
        return None
    if row["status"] != "open":
        return f"编号 {number} 已经答复过了。"
    target = row["member_id"]
    if target is None:  # an unbound follower: deliver if they have bound since
        bound = members.bound_member(ctx.store, row["channel"], row["openid"])
        target = bound.id if bound is not None else None
    kb.close_handoff(ctx.store, number, answer, me.id, target is not None, ctx.stamp)
    if target is None:
        return f"已记录编号 {number} 的答复。提问人还没有绑定身份，暂时无法推送给对方。"
    ctx.services.push(
        [
            Push(
                job=f"handoff:{number}:reply",
                period=ctx.today,
                member_id=int(target),
                kind="reply",
                text=f"【人工答复 {number}】您问：{shorten(str(row['question']), 60)}\n"
                f"{me.name}答复：{shorten(answer, 500)}",
            )
        ]
    )
    asker = members.get(ctx.store, int(target))
    name = asker.name if asker is not None else "提问人"
    return f"已答复编号 {number}，答复已推送给{name}。"
