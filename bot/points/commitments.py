"""承诺 / 践诺: a member's public service commitment for the year (亮承诺), and its judgement at
the year's review by their 党小组长 (or a 支部书记 / 管理员 of the 支部): 已兑现 earns the
`commitment_kept` rules' points, 未兑现 the `commitment_broken` rules' (usually negative).

The points count in the commitment's year: on the day of the judgement, or on 31 December of
that year when it is judged later (a review held in January still counts in the year it
reviews). A commitment can be changed until it is judged; a judgement is final (a secretary
corrects it with `dangjian points adjust`).
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.clock import day_of, stamp
from bot.points import ledger
from bot.points.rules import Rules
from bot.text import name_key, shorten
from storage import commitments as store
from storage import members
from storage.db import Store
from storage.members import Member
from storage.outbox import Push

MIN_TEXT = 6
MAX_TEXT = 300
VERDICTS = {"已兑现": True, "兑现": True, "已践诺": True, "未兑现": False, "没兑现": False}
STATUS_NAMES = {"open": "未评定", "kept": "已兑现", "broken": "未兑现"}
_JUDGE = re.compile(r"^\s*(\S+?)[\s,，:：]+(\S+)\s*$")


def make(db: Store, member: Member, text: str, now: datetime) -> str:
    """承诺 内容: record or replace this year's commitment; 承诺 alone shows it."""
    year = str(now.year)
    text = text.strip()
    if not text:
        current = store.get(db, member.id, year)
        if current is None:
            return (
                f"你还没有公开{year}年的承诺。发送：承诺 内容，例如：承诺 零售户来电两小时内回复，"
                "每季度走访所有责任户。年底由党小组长评定是否兑现。"
            )
        return f"你{year}年的承诺：{current['text']}（{STATUS_NAMES[str(current['status'])]}）"
    if len(text) < MIN_TEXT:
        return f"承诺请写具体一些（至少{MIN_TEXT}个字），例如：承诺 每季度走访所有责任户。"
    existed = store.get(db, member.id, year) is not None
    if not store.save(db, member.id, year, shorten(text, MAX_TEXT), stamp(now)):
        return f"你{year}年的承诺已经评定过了，不能再修改。"
    verb = "已更新" if existed else "已记录"
    return f"{verb}你{year}年的承诺：{shorten(text, MAX_TEXT)}\n年底由党小组长评定是否兑现。"


def _find(db: Store, me: Member, who: str) -> Member | None:
    """A member of my 支部 by phone or name."""
    if who.isdigit():
        found = members.by_phone(db, who)
        return found if found is not None and found.branch_id == me.branch_id else None
    key = name_key(who)
    same = [m for m in members.all_active(db, me.branch_id) if name_key(m.name) == key]
    return same[0] if len(same) == 1 else None


def may_judge(me: Member, member: Member) -> bool:
    if me.id == member.id or me.branch_id != member.branch_id:
        return False
    return me.is_secretary or (
        me.role == "党小组长" and me.group_id is not None and me.group_id == member.group_id
    )


def judge(db: Store, rules: Rules, me: Member, args: str, now: datetime) -> tuple[str, list[Push]]:
    """践诺 手机号|姓名 已兑现|未兑现."""
    match = _JUDGE.match(args)
    verdict = VERDICTS.get(match.group(2)) if match else None
    if match is None or verdict is None:
        return "请发送：践诺 手机号 已兑现（或 未兑现），例如：践诺 13800000003 已兑现。", []
    member = _find(db, me, match.group(1))
    if member is None or not may_judge(me, member):
        return f"没有找到你能评定的党员“{shorten(match.group(1), 12)}”，请核对手机号。", []
    today = day_of(now)
    commitment = store.latest_open(db, member.id, today[:4])
    if commitment is None:
        last = store.latest(db, member.id, today[:4])
        if last is None:
            return f"{member.name}还没有公开承诺。", []
        done = STATUS_NAMES[str(last["status"])]
        return (
            f"{member.name}{last['year']}年的承诺已由{last['judge'] or '他人'}评定为“{done}”。"
            "如需更正请书记用 dangjian points adjust 调整积分。",
            [],
        )
    year = str(commitment["year"])
    day = min(today, f"{year}-12-31")
    with db.tx():
        if not store.judge(
            db, int(commitment["id"]), "kept" if verdict else "broken", me.id, stamp(now)
        ):
            return f"{member.name}的承诺已经评定过了。", []
        credits = ledger.earn(
            db,
            rules,
            member.id,
            "commitment_kept" if verdict else "commitment_broken",
            f"commitment:{commitment['id']}",
            day,
            stamp(now),
            reason=f"{year}年承诺{'已兑现' if verdict else '未兑现'}",
            granted_by=me.id,
            granted_via="chat",
        )
    change = ledger.total(credits)
    word = "已兑现" if verdict else "未兑现"
    points = f"，积分 {change:+d}" if change else ""
    told = f"【践诺评定】你{year}年的承诺（{shorten(str(commitment['text']), 40)}）评定为“{word}”{points}。"
    push = Push(f"commitment:{commitment['id']}", today, member.id, "reply", told)
    return f"已评定{member.name}{year}年的承诺为“{word}”{points}，已通知本人。", [push]
