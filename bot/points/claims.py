"""申报: a member claims points for volunteer work, 先锋岗 duty and the like (the categories are
the `claim` rules of points.yaml). The member's 党小组长 is asked in chat and answers
`同意 编号` or `驳回 编号 原因`; only then are points added (under the category's rule
version of the claim's day, within its monthly cap), and the member is told either way.
A claim nobody answered in ESCALATE_AFTER goes to the 支部书记 (the `claim_escalation` job).

Who may decide a claim: a 党小组长 of the claimant's 党小组, or a 支部书记 / 管理员 of the
claimant's 支部 (at any time) — never the claimant. A member whose group has no other leader
(or who leads it) is asked about by the secretaries at once.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from bot.clock import day_of, parse_stamp, stamp
from bot.points import ledger
from bot.points.rules import Rules
from bot.text import shorten
from storage import claims as store
from storage import members, outbox
from storage.db import Store
from storage.members import Member
from storage.outbox import Push

ESCALATE_AFTER = timedelta(days=3)
MAX_PENDING = 5
MIN_TEXT = 4
LEADER = "党小组长"
SECRETARY = "支部书记"
_DECISION = re.compile(r"^\s*(\d+)[\s,，:：、]*(.*)$", re.S)
_SEPARATORS = " \t\u3000,，:：、"


def split_category(rules: Rules, text: str) -> tuple[str, str]:
    """申报's argument as (category word, description): the longest category word the text
    starts with, else its first word."""
    from bot.text import normalize

    head = normalize(text).lower()
    words = sorted((w for r in rules.claim_categories() for w in r.words()), key=len, reverse=True)
    for w in words:
        if head.startswith(w):
            return w, text[len(w) :].lstrip(_SEPARATORS).strip()
    parts = re.split(r"[\s,，:：、]+", text.strip(), maxsplit=1)
    return parts[0], (parts[1].strip() if len(parts) > 1 else "")


def categories_text(rules: Rules, day: str) -> str:
    parts = []
    for rule in rules.claim_categories():
        version = rule.version_on(day)
        if version is not None:
            parts.append(f"{rule.name}（{version.points:+d}分）")
    return "、".join(parts)


def usage(rules: Rules, day: str) -> str:
    kinds = categories_text(rules, day)
    if not kinds:
        return "目前没有可以申报的类别。"
    first = rules.claim_categories()[0].name
    return (
        f"申报类别：{kinds}。\n发送：申报 类别 说明，例如：申报 {first} 周六在社区参加文明劝导2小时"
    )


def approvers(db: Store, member: Member) -> tuple[str, list[Member]]:
    """Who is asked first: the member's 党小组长 (others than the member), else the 支部's
    secretaries (others than the member)."""
    if member.group_id is not None:
        leaders = [
            m
            for m in members.all_active(db, member.branch_id, member.group_id)
            if m.role == LEADER and m.id != member.id
        ]
        if leaders:
            return LEADER, leaders
    return SECRETARY, [m for m in members.secretaries(db, member.branch_id) if m.id != member.id]


def may_decide(me: Member, claim: dict[str, Any]) -> bool:
    if int(claim["member_id"]) == me.id:
        return False
    if me.is_secretary and int(claim["branch_id"]) == me.branch_id:
        return True
    return (
        me.role == LEADER
        and me.group_id is not None
        and claim["group_id"] is not None
        and int(claim["group_id"]) == me.group_id
    )


def _ask_text(claim_id: int, member: Member, rule_name: str, points: int, text: str) -> str:
    return (
        f"【积分申报 {claim_id}】{member.name}申报「{rule_name}」（{points:+d}分）：{shorten(text, 200)}\n"
        f"同意请回复「同意 {claim_id}」，不同意请回复「驳回 {claim_id} 原因」。"
    )


def submit(
    db: Store, rules: Rules, member: Member, args: str, now: datetime
) -> tuple[str, list[Push]]:
    """申报 类别 说明: the reply and the pushes asking the approvers."""
    day = day_of(now)
    word, text = split_category(rules, args.strip())
    if not word:
        return usage(rules, day), []
    rule = rules.claim_category(word)
    if rule is None:
        return f"没有“{shorten(word, 10)}”这个申报类别。\n{usage(rules, day)}", []
    version = rule.version_on(day)
    if version is None:
        return f"「{rule.name}」现在不能申报。\n{usage(rules, day)}", []
    if len(text) < MIN_TEXT:
        return (
            f"请写明做了什么，例如：申报 {rule.name} 在社区参加文明劝导2小时。",
            [],
        )
    if store.pending_of(db, member.id) >= MAX_PENDING:
        return f"你有 {MAX_PENDING} 条申报还在等待审核，审核后再申报吧。", []
    asked, people = approvers(db, member)
    if not people:
        return "你的支部还没有可以审核申报的党小组长或书记，请联系支部书记。", []
    claim_id = store.create(db, member.id, rule.key, text, day, stamp(now), asked)
    if asked == SECRETARY:
        store.mark_escalated(db, claim_id, stamp(now))  # already with the secretaries
    pushes = [
        Push(
            f"claim:{claim_id}:ask",
            day,
            m.id,
            "notice",
            _ask_text(claim_id, member, rule.name, version.points, text),
            {"title": "积分申报待审核", "summary": f"{member.name}申报{rule.name}"},
        )
        for m in people
    ]
    names = "、".join(m.name for m in people[:3])
    return (
        f"已提交申报（编号 {claim_id}）：{rule.name}，{version.points:+d}分，待审核。\n"
        f"已请{asked}{names}审核，结果会通知你。",
        pushes,
    )


def decide(
    db: Store, rules: Rules, me: Member, args: str, approve: bool, now: datetime
) -> tuple[str, list[Push]]:
    """同意 编号 / 驳回 编号 原因: the reply and the push telling the member."""
    word = "同意" if approve else "驳回"
    match = _DECISION.match(args)
    if match is None:
        return (
            f"请回复「{word} 编号」"
            + ("" if approve else "和原因")
            + "，例如："
            + ("同意 12" if approve else "驳回 12 时间写错了，请重新申报")
            + "。"
        ), []
    claim_id, reason = int(match.group(1)), match.group(2).strip()
    claim = store.get(db, claim_id)
    if claim is None or not may_decide(me, claim):
        return f"没有编号 {claim_id} 的需要你审核的申报，请核对编号（发送「待审」查看）。", []
    if claim["status"] != "pending":
        done = "同意" if claim["status"] == "approved" else "驳回"
        return f"编号 {claim_id} 已经由{claim['decider'] or '他人'}{done}了。", []
    if not approve and not reason:
        return f"请写明驳回的原因，例如：驳回 {claim_id} 时间写错了，请重新申报。", []
    rule = rules.rule(str(claim["rule"]))
    name = rule.name if rule is not None else str(claim["rule"])
    with db.tx():
        if not store.decide(
            db, claim_id, "approved" if approve else "rejected", me.id, stamp(now), reason
        ):
            return f"编号 {claim_id} 已经处理过了。", []
        gained = 0
        note = ""
        if approve:
            credits = ledger.earn(
                db,
                rules,
                int(claim["member_id"]),
                "claim",
                f"claim:{claim_id}",
                str(claim["day"]),
                stamp(now),
                rule_key=str(claim["rule"]),
                reason=f"申报：{shorten(str(claim['text']), 40)}",
                granted_by=me.id,
                granted_via="chat",
            )
            gained = ledger.total(credits)
            store.set_points(db, claim_id, gained)
            if not credits:
                note = f"（「{name}」在申报当天不计分）"
            elif any(c.capped for c in credits):
                note = f"（本月「{name}」积分已到上限）"
    when = _md(str(claim["day"]))
    if approve:
        told = (
            f"【申报结果】你{when}的申报（编号 {claim_id}，{name}）已通过，积分 +{gained}。{note}"
        )
        reply = f"已同意{claim['name']}的申报（编号 {claim_id}，{name}），积分 +{gained}{note}，已通知本人。"
    else:
        told = (
            f"【申报结果】你{when}的申报（编号 {claim_id}，{name}）未通过：{shorten(reason, 100)}"
        )
        reply = f"已驳回{claim['name']}的申报（编号 {claim_id}），已把原因告诉本人。"
    push = Push(f"claim:{claim_id}:result", day_of(now), int(claim["member_id"]), "reply", told)
    return reply, [push]


def pending_text(db: Store, rules: Rules, me: Member) -> str:
    """待审: the claims `me` may decide, oldest first."""
    group = None if me.is_secretary else me.group_id
    rows = [c for c in store.pending_in(db, me.branch_id, group) if may_decide(me, c)]
    if not rows:
        return "没有待审核的申报。"
    lines = ["待审核的申报："]
    for c in rows:
        lines.append(
            f"{c['id']}. {c['name']} {_md(str(c['day']))} {rules.name_of(str(c['rule']))}："
            f"{shorten(str(c['text']), 40)}"
        )
    lines.append("回复「同意 编号」或「驳回 编号 原因」。")
    return "\n".join(lines)


def escalate(db: Store, rules: Rules, now: datetime) -> int:
    """Claims unanswered for ESCALATE_AFTER go to the 支部书记, once each (marked and queued
    in one transaction). Returns the pushes queued."""
    pushes: list[Push] = []
    with db.tx():
        for claim in store.due_for_escalation(db, stamp(now - ESCALATE_AFTER)):
            member = members.get(db, int(claim["member_id"]))
            if member is None or not store.mark_escalated(db, int(claim["id"]), stamp(now)):
                continue
            rule = rules.rule(str(claim["rule"]))
            version = rule.version_on(str(claim["day"])) if rule is not None else None
            waited = (now - parse_stamp(str(claim["created_at"]))).days
            text = _ask_text(
                int(claim["id"]),
                member,
                rules.name_of(str(claim["rule"])),
                version.points if version is not None else 0,
                str(claim["text"]),
            ).replace("】", f"】（党小组长{waited}天未审核）", 1)
            pushes += [
                Push(
                    f"claim:{claim['id']}:escalate",
                    day_of(now),
                    sec.id,
                    "notice",
                    text,
                    {"title": "积分申报待审核", "summary": f"{member.name}的申报"},
                )
                for sec in members.secretaries(db, member.branch_id)
                if sec.id != member.id
            ]
        return outbox.enqueue(db, pushes, stamp(now))


def _md(day: str) -> str:
    return f"{int(day[5:7])}月{int(day[8:10])}日"
