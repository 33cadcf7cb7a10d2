"""三会一课 meetings: creating one (who it concerns, the sign-in code, the notice), the
24 h / 1 h reminders, sign-in rules and the attendance report.

Who a meeting concerns:
  支部党员大会, 党课, 主题党日   every member of the 支部 (or of one 党小组 when one is named);
  党小组会                      one 党小组: the one named, else the secretary's own group;
  支委会                        the 支部's 支部书记, 管理员 and 党小组长 (the roster has no 支委 role).

Sign-in (签到 1234) is open from 30 minutes before to 30 minutes after the start; five wrong
codes lock a member out of a meeting's sign-in (see sign_in). 请假 works until the start.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from bot.clock import day_of, parse_stamp, stamp
from bot.points import ledger as points_ledger
from bot.services import Services
from bot.when import show
from storage import meetings, members, outbox
from storage.members import Member

log = logging.getLogger(__name__)

TYPES = meetings.TYPES
COMMITTEE_ROLES = frozenset({"支部书记", "管理员", "党小组长"})
SIGN_BEFORE = timedelta(minutes=30)
SIGN_AFTER = timedelta(minutes=30)
REMINDERS = (("24h", timedelta(hours=24)), ("1h", timedelta(hours=1)))
MAX_WRONG = 5  # wrong sign-in codes before a member is locked out of a meeting's sign-in
MATCH_AHEAD = timedelta(days=30)  # sign-in codes are compared with meetings this far ahead
LEAVE_AHEAD = timedelta(days=60)


@dataclass(frozen=True)
class Created:
    id: int
    code: str
    invited: int
    group: str | None


def invitees(store: Any, branch_id: int, group_id: int | None, type_: str) -> list[Member]:
    people = members.all_active(store, branch_id=branch_id, group_id=group_id)
    if type_ == "支委会" and group_id is None:
        people = [m for m in people if m.role in COMMITTEE_ROLES]
    return people


def describe(row: dict[str, Any], tz: tzinfo) -> str:
    """支部党员大会 12月11日（周五）15:00 三楼会议室 — the start shown in the zone `tz`."""
    group = f"（{row['group']}）" if row.get("group") else ""
    place = row.get("place") or "地点待定"
    return f"{row['type']}{group} {show(parse_stamp(row['starts_at']), tz)} {place}"


def meeting_day(row: dict[str, Any], tz: tzinfo) -> str:
    """The meeting's day in the organization's zone (the outbox period of its pushes)."""
    return day_of(parse_stamp(row["starts_at"]).astimezone(tz))


def _fresh_code(store: Any, starts_at: datetime) -> str:
    """A random 4-digit sign-in code that no other meeting near this one uses, so a code
    never stands for two meetings a member could be signing in to."""
    near = meetings.list_for(
        store,
        None,
        stamp(starts_at - MATCH_AHEAD - timedelta(days=1)),
        stamp(starts_at + MATCH_AHEAD + timedelta(days=1)),
        limit=5000,
    )
    taken = {str(m["code"]) for m in near}
    while True:
        code = f"{secrets.randbelow(10000):04d}"
        if code not in taken or len(taken) >= 10000:
            return code


def create(
    services: Services,
    branch_id: int,
    group_id: int | None,
    type_: str,
    starts_at: datetime,
    place: str,
    author_id: int | None,
    now: datetime,
) -> Created:
    """Create a meeting, and queue its notice to everyone it concerns."""
    store = services.store
    with store.tx():
        people = invitees(store, branch_id, group_id, type_)
        code = _fresh_code(store, starts_at)
        mid = meetings.create(
            store,
            branch_id,
            group_id,
            type_,
            stamp(starts_at),
            place,
            code,
            author_id,
            stamp(now),
            [m.id for m in people],
        )
        row = meetings.get(store, mid)
        assert row is not None
        tz = services.clock.tz
        text = (
            f"【会议通知】{describe(row, tz)}\n请准时参加，"
            f"开始前后30分钟内发送「签到 签到码」签到（签到码现场公布）。"
            f"不能参加请在开始前发送「请假 原因」。"
        )
        parts = meeting_parts(row, "会议通知")
        outbox.enqueue(
            store,
            [
                outbox.Push(
                    f"meeting:{mid}:notice", meeting_day(row, tz), m.id, "meeting", text, parts
                )
                for m in people
            ],
            stamp(now),
        )
    return Created(mid, code, len(people), row["group"])


def meeting_parts(row: dict[str, Any], title: str) -> dict[str, str]:
    """What fills a meeting's template message: the type as title, start time, place."""
    return {
        "title": f"{title}：{row['type']}",
        "summary": f"{row['type']}" + (f"，{row['place']}" if row.get("place") else ""),
        "time": str(row["starts_at"]),
        "place": str(row.get("place") or ""),
        "branch": str(row.get("branch") or ""),
    }


def queue_reminders(services: Services, now: datetime) -> int:
    """Job: queue the 24 h and 1 h reminders that are due. A reminder is skipped when the
    meeting was created after its reminder point (the notice itself was enough)."""
    store = services.store
    tz = services.clock.tz
    queued = 0
    for which, lead in REMINDERS:
        for row in meetings.due_reminders(store, which, stamp(now), stamp(now + lead)):
            start = parse_stamp(row["starts_at"])
            with store.tx():
                if parse_stamp(row["created_at"]) <= start - lead:
                    ahead = "明天" if which == "24h" else "1小时后"
                    text = (
                        f"【会议提醒】{ahead}召开{describe(row, tz)}，请准时参加。"
                        "不能参加请发送「请假 原因」。"
                    )
                    people = meetings.invitee_ids(store, int(row["id"]), exclude_leave=True)
                    outbox.enqueue(
                        store,
                        [
                            outbox.Push(
                                f"meeting:{row['id']}:{which}",
                                meeting_day(row, tz),
                                m,
                                "meeting",
                                text,
                                meeting_parts(row, "会议提醒"),
                            )
                            for m in people
                        ],
                        stamp(now),
                    )
                    queued += len(people)
                meetings.mark_reminded(store, int(row["id"]), which, stamp(now))
    return queued


def sign_window(row: dict[str, Any]) -> tuple[datetime, datetime]:
    start = parse_stamp(row["starts_at"])
    return start - SIGN_BEFORE, start + SIGN_AFTER


def _is_open(row: dict[str, Any], now: datetime) -> bool:
    opens, closes = sign_window(row)
    return opens <= now <= closes


def _locked(row: dict[str, Any]) -> bool:
    return row["my_status"] != "signed" and int(row.get("my_wrong_codes") or 0) >= MAX_WRONG


def record_sign_in(services: Services, row: dict[str, Any], member_id: int, now: datetime) -> int:
    """Mark the member present and credit the meeting points (once, under the `meeting` rules
    of points.yaml). Returns the points credited now (0 if they had been already)."""
    store = services.store
    with store.tx():
        meetings.set_status(store, int(row["id"]), member_id, "signed", "", stamp(now))
        credits = points_ledger.earn(
            store,
            services.points,
            member_id,
            "meeting",
            str(row["id"]),
            day_of(now.astimezone(services.clock.tz)),
            stamp(now),
            reason=str(row["type"]),
        )
        return points_ledger.total(credits)


def sign_in(services: Services, member: Member, code: str, now: datetime) -> str:
    """签到 with a 4-digit code: the reply, including the reason when refused.

    The code is compared with every meeting the member is invited to whose sign-in has not
    closed (open now, or starting within MATCH_AHEAD): the right code of a later meeting is
    told when its sign-in opens. A code that matches none of them is one wrong try at each
    of them (it was compared with each); after MAX_WRONG wrong tries at a meeting the member
    is locked out of its sign-in and the secretary signs them in (`dangjian meeting signin`).
    """
    store = services.store
    tz = services.clock.tz
    with store.tx():
        mine = meetings.for_member(
            store, member.id, stamp(now - timedelta(days=1)), stamp(now + MATCH_AHEAD)
        )
        live = [m for m in mine if sign_window(m)[1] >= now]
        usable = [m for m in live if not _locked(m)]
        hits = sorted((m for m in usable if m["code"] == code), key=lambda m: not _is_open(m, now))
        if hits:
            row = hits[0]
            if row["my_status"] == "signed":
                return f"你已经签到过了：{describe(row, tz)}。"
            if not _is_open(row, now):
                opens = sign_window(row)[0]
                return f"还没到签到时间：{describe(row, tz)}，{show(opens, tz)} 起可以签到。"
            gained = record_sign_in(services, row, member.id, now)
            gain = f"积分 +{gained}。" if gained else ""
            return f"签到成功！{describe(row, tz)}。{gain}"
        mine_ids = {int(m["id"]) for m in mine}
        others = meetings.list_for(
            store, None, stamp(now - SIGN_AFTER), stamp(now + SIGN_BEFORE + timedelta(seconds=1))
        )
        if any(o["code"] == code and int(o["id"]) not in mine_ids for o in others):
            return "这次会议不在你的参会范围内，无需签到。如有疑问请联系支部书记。"
        guessed = [m for m in usable if m["my_status"] != "signed"]
        meetings.count_wrong_code(store, [int(m["id"]) for m in guessed], member.id)
        locked_now = [m for m in live if _locked(m) and _is_open(m, now)]
        newly = [m for m in guessed if int(m["my_wrong_codes"] or 0) + 1 >= MAX_WRONG]
        if newly:
            which = "、".join(describe(m, tz) for m in newly)
            return (
                f"签到码不对。已经输错{MAX_WRONG}次，{which}的签到已锁定。请联系支部书记为你签到。"
            )
        if locked_now:
            return (
                f"签到码输错次数太多，{describe(locked_now[0], tz)}的签到已锁定。"
                "请联系支部书记为你签到。"
            )
        if guessed:
            tries = MAX_WRONG - max(int(m["my_wrong_codes"] or 0) + 1 for m in guessed)
            if any(_is_open(m, now) for m in guessed):
                return f"签到码不对，请核对会场公布的4位签到码后重试（还可以试 {tries} 次）。"
            first = guessed[0]
            opens = sign_window(first)[0]
            return (
                f"签到码不对。你的下一次会议：{describe(first, tz)}，{show(opens, tz)} 起可以签到，"
                f"签到码在会场公布（还可以试 {tries} 次）。"
            )
        if live:
            return f"你已经签到过了：{describe(live[0], tz)}。"
        past = [m for m in mine if sign_window(m)[1] < now]
        if past:
            return (
                f"签到已经结束了（会议开始后30分钟内可以签到）：{describe(past[-1], tz)}。"
                "如有疑问请联系支部书记。"
            )
        return "最近没有需要你签到的会议。"


_CHOICE = re.compile(r"^(\d{1,2})(?:[\s,，:：、.。]+|$)(.*)$", re.S)


def leave(services: Services, member: Member, text: str, now: datetime) -> str:
    """请假 [编号] 原因: leave for one of the member's meetings that have not started. With more
    than one, the member says which by its number in the list the bot shows."""
    store = services.store
    tz = services.clock.tz
    upcoming = meetings.for_member(store, member.id, stamp(now), stamp(now + LEAVE_AHEAD))
    upcoming = [m for m in upcoming if parse_stamp(m["starts_at"]) > now]
    if not upcoming:
        started = meetings.for_member(
            store, member.id, stamp(now - timedelta(hours=12)), stamp(now)
        )
        if started:
            return "会议已经开始，不能再请假了。如有特殊情况请直接联系支部书记。"
        return "最近没有需要你参加的会议，不用请假。"
    choices = [m for m in upcoming if m["my_status"] != "signed"]
    if not choices:
        return f"你已经签到了：{describe(upcoming[0], tz)}，不用请假。"
    text = text.strip()
    picked = _CHOICE.match(text)
    if len(choices) == 1:
        row = choices[0]
        if picked and picked.group(1) == "1" and picked.group(2).strip():
            text = picked.group(2).strip()
    else:
        menu = "\n".join(
            f"{n}. {describe(m, tz)}" + ("（已请假）" if m["my_status"] == "leave" else "")
            for n, m in enumerate(choices, start=1)
        )
        if picked is None:
            return (
                f"你有 {len(choices)} 个会议还没开始，请写明为哪一个请假：\n{menu}\n"
                "发送「请假 编号 原因」，例如：请假 2 出差在外。"
            )
        number = int(picked.group(1))
        if not 1 <= number <= len(choices):
            return f"没有第 {number} 个会议。你还没开始的会议：\n{menu}"
        row = choices[number - 1]
        text = picked.group(2).strip()
    reason = text[:100]
    if not reason:
        example = (
            "请假 出差在外" if len(choices) == 1 else f"请假 {choices.index(row) + 1} 出差在外"
        )
        which = "下一次会议" if len(choices) == 1 else "会议"
        return f"请写上请假原因，例如：{example}。{which}：{describe(row, tz)}。"
    with store.tx():
        meetings.set_status(store, int(row["id"]), member.id, "leave", reason, stamp(now))
        if row["created_by"] and row["created_by"] != member.id:
            outbox.enqueue(
                store,
                [
                    outbox.Push(
                        f"meeting:{row['id']}:leave:{member.id}",
                        meeting_day(row, tz),
                        int(row["created_by"]),
                        "meeting",
                        f"【请假】{member.name} 请假不参加{describe(row, tz)}。原因：{reason}",
                    )
                ],
                stamp(now),
            )
    return f"已为你请假：{describe(row, tz)}。原因：{reason}。"


def reminders_promised(starts_at: datetime, now: datetime) -> list[str]:
    """Which reminders a meeting created now will get: '24小时', '1小时' (see queue_reminders)."""
    return [
        name
        for name, lead in (("24小时", REMINDERS[0][1]), ("1小时", REMINDERS[1][1]))
        if now <= starts_at - lead
    ]


class SignInRefused(ValueError):
    """Why a secretary cannot sign this member in, in Chinese."""


def sign_in_for(services: Services, meeting_id: int, member: Member, now: datetime) -> str:
    """The secretary signs a member in (after a lockout, or a member without a phone at hand):
    marks them present and awards the meeting points once. Returns what was done; raises
    SignInRefused when the meeting does not exist, has not opened its sign-in yet, or does not
    concern the member."""
    store = services.store
    tz = services.clock.tz
    row = meetings.get(store, meeting_id)
    if row is None or row["cancelled"]:
        raise SignInRefused(f"没有编号为 {meeting_id} 的会议。")
    seat = meetings.invitation(store, meeting_id, member.id)
    if seat is None:
        raise SignInRefused(f"{member.name} 不在这次会议的参会范围内：{describe(row, tz)}。")
    opens = sign_window(row)[0]
    if now < opens:
        raise SignInRefused(f"还没到签到时间：{describe(row, tz)}，{show(opens, tz)} 起可以签到。")
    if seat["status"] == "signed":
        return f"{member.name} 已经签到过了：{describe(row, tz)}。"
    gained = record_sign_in(services, row, member.id, now)
    gain = f"，积分 +{gained}" if gained else ""
    return f"已为 {member.name} 签到：{describe(row, tz)}{gain}。"


def report(store: Any, row: dict[str, Any], now: datetime, tz: tzinfo) -> str:
    """应到 / 实到 / 请假 / 缺席 with names, and who is locked out of the sign-in."""
    people = meetings.attendees(store, int(row["id"]))
    signed = [p["name"] for p in people if p["status"] == "signed"]
    on_leave = [
        f"{p['name']}（{p['reason']}）" if p["reason"] else p["name"]
        for p in people
        if p["status"] == "leave"
    ]
    absent = [p["name"] for p in people if p["status"] == "invited"]
    locked = [
        p["name"] for p in people if p["status"] != "signed" and p["wrong_codes"] >= MAX_WRONG
    ]
    closed = now > sign_window(row)[1]
    missing = "缺席" if closed else "未签到"
    lines = [
        describe(row, tz),
        f"应到 {len(people)} 人，实到 {len(signed)} 人，请假 {len(on_leave)} 人，"
        f"{missing} {len(absent)} 人。",
    ]
    if signed:
        lines.append("实到：" + names(signed))
    if on_leave:
        lines.append("请假：" + names(on_leave))
    if absent:
        lines.append(f"{missing}：" + names(absent))
    if locked:
        lines.append(
            f"签到码输错{MAX_WRONG}次被锁定：{names(locked)}。到会的请管理员用"
            f" dangjian meeting signin {row['id']} 手机号 补签。"
        )
    if not closed:
        lines.append(f"签到码 {row['code']}，{show(sign_window(row)[1], tz)} 截止签到。")
    return "\n".join(lines)


def names(items: list[str], limit: int = 40) -> str:
    if len(items) <= limit:
        return "、".join(items)
    return "、".join(items[:limit]) + f" 等 {len(items)} 人"


def latest_for_report(store: Any, branch_id: int, now: datetime) -> dict[str, Any] | None:
    """The meeting 出勤 reports on: the latest one whose sign-in has opened, else the next."""
    row = meetings.latest_started(store, branch_id, stamp(now + SIGN_BEFORE))
    return row or meetings.next_upcoming(store, branch_id, stamp(now))
