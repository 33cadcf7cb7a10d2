"""三会一课 meetings: creating one (who it concerns, the sign-in code, the notice), the
24 h / 1 h reminders, sign-in rules and the attendance report.

Who a meeting concerns:
  支部党员大会, 党课, 主题党日   every member of the 支部 (or of one 党小组 when one is named);
  党小组会                      one 党小组: the one named, else the secretary's own group;
  支委会                        the 支部's 支部书记, 管理员 and 党小组长 (the roster has no 支委 role).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.clock import stamp
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
MEETING_POINTS = 2


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


def describe(row: dict[str, Any]) -> str:
    group = f"（{row['group']}）" if row.get("group") else ""
    place = row.get("place") or "地点待定"
    return f"{row['type']}{group} {show(datetime.fromisoformat(row['starts_at']))} {place}"


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
        code = f"{secrets.randbelow(10000):04d}"
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
        text = (
            f"【会议通知】{describe(row)}\n请准时参加，"
            f"开始前后30分钟内发送「签到 签到码」签到（签到码现场公布）。"
            f"不能参加请在开始前发送「请假 原因」。"
        )
        parts = meeting_parts(row, "会议通知")
        outbox.enqueue(
            store,
            [
                outbox.Push(
                    f"meeting:{mid}:notice", row["starts_at"][:10], m.id, "meeting", text, parts
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
    queued = 0
    for which, lead in REMINDERS:
        for row in meetings.due_reminders(store, which, stamp(now), stamp(now + lead)):
            start = datetime.fromisoformat(row["starts_at"])
            with store.tx():
                if datetime.fromisoformat(row["created_at"]) <= start - lead:
                    ahead = "明天" if which == "24h" else "1小时后"
                    text = (
                        f"【会议提醒】{ahead}召开{describe(row)}，请准时参加。"
                        "不能参加请发送「请假 原因」。"
                    )
                    people = meetings.invitee_ids(store, int(row["id"]), exclude_leave=True)
                    outbox.enqueue(
                        store,
                        [
                            outbox.Push(
                                f"meeting:{row['id']}:{which}",
                                row["starts_at"][:10],
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
    start = datetime.fromisoformat(row["starts_at"])
    return start - SIGN_BEFORE, start + SIGN_AFTER


def sign_in(services: Services, member: Member, code: str, now: datetime) -> str:
    """签到 with a 4-digit code: the reply, including the reason when refused."""
    store = services.store
    mine = meetings.for_member(
        store, member.id, stamp(now - timedelta(days=1)), stamp(now + timedelta(days=30))
    )
    open_now = [m for m in mine if sign_window(m)[0] <= now <= sign_window(m)[1]]
    for row in open_now:
        if row["code"] != code:
            continue
        if row["my_status"] == "signed":
            return f"你已经签到过了：{describe(row)}。"
        meetings.set_status(store, int(row["id"]), member.id, "signed", "", stamp(now))
        from storage import points

        new = points.award(
            store,
            member.id,
            now.date().isoformat(),
            "meeting",
            str(row["id"]),
            MEETING_POINTS,
            stamp(now),
            row["type"],
        )
        gain = f"积分 +{MEETING_POINTS}。" if new else ""
        return f"签到成功！{describe(row)}。{gain}"
    if open_now:
        return "签到码不对，请核对会场公布的4位签到码后重试。"
    others = meetings.list_for(
        store, None, stamp(now - SIGN_AFTER), stamp(now + SIGN_BEFORE + timedelta(seconds=1))
    )
    if any(o["code"] == code for o in others):
        return "这次会议不在你的参会范围内，无需签到。如有疑问请联系支部书记。"
    upcoming = [m for m in mine if sign_window(m)[0] > now]
    if upcoming:
        first = upcoming[0]
        opens = sign_window(first)[0]
        return f"还没到签到时间：{describe(first)}，{show(opens)} 起可以签到。"
    past = [m for m in mine if sign_window(m)[1] < now]
    if past:
        last = past[-1]
        return f"签到已经结束了（会议开始后30分钟内可以签到）：{describe(last)}。如有疑问请联系支部书记。"
    return "最近没有需要你签到的会议。"


def leave(services: Services, member: Member, reason: str, now: datetime) -> str:
    """请假 for the member's next meeting (before it starts)."""
    store = services.store
    upcoming = meetings.for_member(store, member.id, stamp(now), stamp(now + timedelta(days=60)))
    upcoming = [m for m in upcoming if datetime.fromisoformat(m["starts_at"]) > now]
    if not upcoming:
        started = meetings.for_member(
            store, member.id, stamp(now - timedelta(hours=12)), stamp(now)
        )
        if started:
            return "会议已经开始，不能再请假了。如有特殊情况请直接联系支部书记。"
        return "最近没有需要你参加的会议，不用请假。"
    row = upcoming[0]
    if row["my_status"] == "signed":
        return f"你已经签到了：{describe(row)}，不用请假。"
    if not reason:
        return f"请写上请假原因，例如：请假 出差在外。下一次会议：{describe(row)}。"
    with store.tx():
        meetings.set_status(store, int(row["id"]), member.id, "leave", reason[:100], stamp(now))
        if row["created_by"] and row["created_by"] != member.id:
            outbox.enqueue(
                store,
                [
                    outbox.Push(
                        f"meeting:{row['id']}:leave:{member.id}",
                        row["starts_at"][:10],
                        int(row["created_by"]),
                        "meeting",
                        f"【请假】{member.name} 请假不参加{describe(row)}。原因：{reason[:100]}",
                    )
                ],
                stamp(now),
            )
    return f"已为你请假：{describe(row)}。原因：{reason[:100]}。"


def report(store: Any, row: dict[str, Any], now: datetime) -> str:
    """应到 / 实到 / 请假 / 缺席 with names."""
    people = meetings.attendees(store, int(row["id"]))
    signed = [p["name"] for p in people if p["status"] == "signed"]
    on_leave = [
        f"{p['name']}（{p['reason']}）" if p["reason"] else p["name"]
        for p in people
        if p["status"] == "leave"
    ]
    absent = [p["name"] for p in people if p["status"] == "invited"]
    closed = now > sign_window(row)[1]
    missing = "缺席" if closed else "未签到"
    lines = [
        describe(row),
        f"应到 {len(people)} 人，实到 {len(signed)} 人，请假 {len(on_leave)} 人，"
        f"{missing} {len(absent)} 人。",
    ]
    if signed:
        lines.append("实到：" + names(signed))
    if on_leave:
        lines.append("请假：" + names(on_leave))
    if absent:
        lines.append(f"{missing}：" + names(absent))
    if not closed:
        lines.append(f"签到码 {row['code']}，{show(sign_window(row)[1])} 截止签到。")
    return "\n".join(lines)


def names(items: list[str], limit: int = 40) -> str:
    if len(items) <= limit:
        return "、".join(items)
    return "、".join(items[:limit]) + f" 等 {len(items)} 人"


def latest_for_report(store: Any, branch_id: int, now: datetime) -> dict[str, Any] | None:
    """The meeting 出勤 reports on: the latest one whose sign-in has opened, else the next."""
    row = meetings.latest_started(store, branch_id, stamp(now + SIGN_BEFORE))
    return row or meetings.next_upcoming(store, branch_id, stamp(now))
