"""THE table of scheduled jobs and their times (Asia/Shanghai, or DANGJIAN_TIMEZONE).

| job                  | when (default)        | setting (DANGJIAN_…)     | grace |
|----------------------|-----------------------|--------------------------|-------|
| study_push           | daily 07:30           | STUDY_PUSH_AT=07:30      | 3 h   |
| evening_reminder     | daily 20:00           | REMINDER_AT=20:00        | 1 h   |
| meeting_reminders    | every 60 s            | MEETING_CHECK_SECONDS    | 60 s  |
| scheduled_broadcasts | every 30 s            | BROADCAST_CHECK_SECONDS  | 30 s  |
| broadcast_summaries  | every 30 s            | SUMMARY_CHECK_SECONDS    | 30 s  |
| dispatch             | every 3 s             | DISPATCH_SECONDS         | 10 s  |
| claim_escalation     | every 600 s           | CLAIM_CHECK_SECONDS      | 600 s |
| monthly_summary      | the 1st, 09:00        | MONTHLY_SUMMARY_AT=1 09:00 | 1 day |
| housekeeping         | daily 03:30           | HOUSEKEEPING_AT=03:30    | 6 h   |

Daily and monthly jobs that were missed while no runner was up run once at start-up when the
latest missed time is within the grace (coalesced), and are logged as skipped otherwise. Every
job is idempotent: pushes go through the outbox with a (job, period, member) key, so a rerun
sends nothing twice. Reminders never go out between 22:00 and 07:30 (QUIET_START / QUIET_END).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot import compliance, meetings, notices
from bot.clock import day_of, stamp
from bot.config import Settings
from bot.jobs.dispatch import QUIET_END, QUIET_START, in_quiet_hours
from storage import checkins, console_inbox, inbound, members, outbox

if TYPE_CHECKING:
    from bot.jobs.runner import JobContext
    from bot.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    id: str
    title: str  # shown in logs and `dangjian jobs`
    run: Callable[[JobContext], object]
    kind: str  # daily | monthly | interval
    default: str  # "07:30" | "1 09:00" (day of month, time) | seconds
    setting: str  # the DANGJIAN_* name (lower case, read from settings.extra)
    grace: int  # misfire grace, seconds

    def value(self, settings: Settings) -> str:
        return str(settings.extra.get(self.setting, self.default)).strip()


# -- the jobs -----------------------------------------------------------------------------------


def study_push(ctx: JobContext) -> int:
    """Today's study item to every active member."""
    services, now = ctx.services, ctx.now
    day = day_of(now)
    item = services.study.for_day(day)
    if item is None:
        log.warning("study push %s: no study item (content/study is empty)", day)
        return 0
    text = item.render() + "\n回复「打卡」完成今日学习，「答题」参加每日答题。"
    people = members.all_active(services.store)
    return outbox.enqueue(
        services.store,
        [outbox.Push("study", day, m.id, "study", text, {"summary": item.title}) for m in people],
        stamp(now),
    )


def quiz_finished(store: Any, day: str) -> set[int]:
    """Members who finished that day's daily quiz (storage.quiz, from the quiz work)."""
    from storage.quiz import finished_members

    return set(finished_members(store, day))


def not_studied(store: Any, day: str, people: list[members.Member]) -> list[members.Member]:
    """Members who have neither checked in nor finished the quiz on `day`."""
    done = checkins.members_checked_in(store, day) | quiz_finished(store, day)
    return [m for m in people if m.id not in done]


def evening_reminder(ctx: JobContext) -> int:
    """A reminder to members who have neither checked in nor finished the quiz today; at most
    one a day (outbox key reminder|day|member), never in quiet hours."""
    services, now = ctx.services, ctx.now
    quiet = (
        str(services.settings.extra.get("quiet_start", QUIET_START)),
        str(services.settings.extra.get("quiet_end", QUIET_END)),
    )
    if in_quiet_hours(now, *quiet):
        log.info("evening reminder skipped: %s is in quiet hours", now.strftime("%H:%M"))
        return 0
    day = day_of(now)
    people = not_studied(services.store, day, members.all_active(services.store))
    pushes = [
        outbox.Push(
            "reminder",
            day,
            m.id,
            "reminder",
            f"【学习提醒】{m.name}同志，今天还没有学习哦。发送「打卡」学习今日内容，"
            "发送「答题」参加每日答题。",
        )
        for m in people
    ]
    return outbox.enqueue(services.store, pushes, stamp(now))


def meeting_reminders(ctx: JobContext) -> int:
    return meetings.queue_reminders(ctx.services, ctx.now)


def scheduled_broadcasts(ctx: JobContext) -> int:
    return notices.queue_due(ctx.services, ctx.now)


def broadcast_summaries(ctx: JobContext) -> int:
    return notices.summarize_finished(ctx.services, ctx.now)


def dispatch(ctx: JobContext) -> int:
    if ctx.dispatcher is None:
        return 0
    return ctx.dispatcher.drain(ctx.should_stop).claimed


def claim_escalation(ctx: JobContext) -> int:
    """申报 unanswered for 3 days go to the 支部书记 (bot/points/claims.py)."""
    from bot.points import claims

    return claims.escalate(ctx.services.store, ctx.services.points, ctx.now)


def monthly_summary_text(store: Any, branch_id: int, now: datetime, rules: Any = None) -> str:
    """Last month for one 支部: study, meetings and 三会一课 compliance, and (given the
    points rules) its 积分评星 figures (bot/points/summary.py)."""
    last_day = now.date().replace(day=1) - timedelta(days=1)
    start, end = compliance.month_bounds(last_day)
    people = members.all_active(store, branch_id=branch_id)
    ids = {m.id for m in people}
    per_member = checkins.days_per_member(store, start.isoformat(), end.isoformat())
    days = {m: n for m, n in per_member.items() if m in ids}
    total = sum(days.values())
    active = len([n for n in days.values() if n > 0])
    avg = total / len(people) if people else 0.0
    check = compliance.check(store, branch_id, last_day, now)
    lines = [
        f"【{last_day.month}月工作小结】{check.branch}",
        f"党员 {len(people)} 人，{active} 人参加学习打卡，共 {total} 人次，人均 {avg:.1f} 天。",
        compliance.render(check),
    ]
    if last_day.month in (3, 6, 9, 12):
        lines.append("本季度已结束，缺少的会议请尽快补开并做好记录。")
    current = compliance.check(store, branch_id, now.date(), now)
    lines.append(
        f"本月（{now.month}月）需开：支委会、党小组会"
        + ("；本季度需开：" + "、".join(current.missing_quarter) if current.missing_quarter else "")
        + "。"
    )
    if rules is not None:
        from bot.periods import month_of
        from bot.points.summary import month_lines

        lines += month_lines(store, rules, branch_id, month_of(last_day), day_of(now))
    return "\n".join(lines)


def monthly_summary(ctx: JobContext) -> int:
    """On the 1st: last month's summary, with 三会一课 compliance, to each 支部's secretaries."""
    services, now = ctx.services, ctx.now
    store = services.store
    period = now.strftime("%Y-%m")
    pushes = []
    for branch in members.branches(store):
        text = monthly_summary_text(store, int(branch["id"]), now, services.points)
        for sec in members.secretaries(store, int(branch["id"])):
            pushes.append(outbox.Push("monthly_summary", period, sec.id, "summary", text))
    return outbox.enqueue(store, pushes, stamp(now))


KEEP_INBOUND_DAYS = 30
KEEP_OUTBOX_DAYS = 30  # DANGJIAN_OUTBOX_KEEP_DAYS


def outbox_keep_days(services: Services) -> int:
    """DANGJIAN_OUTBOX_KEEP_DAYS: days sent and skipped pushes are kept (at least 1)."""
    raw = services.settings.extra.get("outbox_keep_days", KEEP_OUTBOX_DAYS)
    try:
        return max(1, int(raw))
    except (TypeError, ValueError):
        log.warning("ignoring bad DANGJIAN_OUTBOX_KEEP_DAYS=%r", raw)
        return KEEP_OUTBOX_DAYS


def housekeeping(ctx: JobContext) -> int:
    """Forget what is only needed for a while: the inbound log (WeChat retries come within
    seconds; 30 days are kept for support), console pushes, binding failures older than a
    day, and sent and skipped pushes older than DANGJIAN_OUTBOX_KEEP_DAYS (their counts per
    job stay in outbox_pruned). Each in short batches, so messages keep being answered."""
    store, now = ctx.services.store, ctx.now
    old = stamp(now - timedelta(days=KEEP_INBOUND_DAYS))
    removed = inbound.prune(store, old)
    removed += console_inbox.prune(store, old)
    removed += members.prune_bind_failures(store, stamp(now - timedelta(days=1)))
    removed += outbox.prune(store, stamp(now - timedelta(days=outbox_keep_days(ctx.services))))
    return removed


# -- THE table ----------------------------------------------------------------------------------

JOBS: tuple[JobSpec, ...] = (
    JobSpec("study_push", "每日学习推送", study_push, "daily", "07:30", "study_push_at", 3 * 3600),
    JobSpec(
        "evening_reminder", "晚间学习提醒", evening_reminder, "daily", "20:00", "reminder_at", 3600
    ),
    JobSpec(
        "meeting_reminders",
        "会议提醒（提前24小时、1小时）",
        meeting_reminders,
        "interval",
        "60",
        "meeting_check_seconds",
        60,
    ),
    JobSpec(
        "scheduled_broadcasts",
        "到点发送定时通知",
        scheduled_broadcasts,
        "interval",
        "30",
        "broadcast_check_seconds",
        30,
    ),
    JobSpec(
        "broadcast_summaries",
        "通知送达情况告知书记",
        broadcast_summaries,
        "interval",
        "30",
        "summary_check_seconds",
        30,
    ),
    JobSpec("dispatch", "发送推送（outbox）", dispatch, "interval", "3", "dispatch_seconds", 10),
    JobSpec(
        "claim_escalation",
        "积分申报3天未审核转书记",
        claim_escalation,
        "interval",
        "600",
        "claim_check_seconds",
        600,
    ),
    JobSpec(
        "monthly_summary",
        "月度小结（含三会一课）",
        monthly_summary,
        "monthly",
        "1 09:00",
        "monthly_summary_at",
        24 * 3600,
    ),
    JobSpec(
        "housekeeping", "清理过期日志", housekeeping, "daily", "03:30", "housekeeping_at", 6 * 3600
    ),
)


def spec(job_id: str) -> JobSpec:
    return next(j for j in JOBS if j.id == job_id)


def parse_time(value: str) -> tuple[int, int]:
    hour, _, minute = value.partition(":")
    h, m = int(hour), int(minute or 0)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError(value)
    return h, m


def trigger_args(job: JobSpec, settings: Settings) -> dict[str, Any]:
    """APScheduler trigger arguments for a job, from its setting. Raises ValueError with the
    setting's name when the value is wrong."""
    value = job.value(settings)
    name = f"DANGJIAN_{job.setting.upper()}={value!r}"
    try:
        if job.kind == "interval":
            seconds = float(value)
            if seconds <= 0:
                raise ValueError(value)
            return {"trigger": "interval", "seconds": seconds}
        if job.kind == "daily":
            h, m = parse_time(value)
            return {"trigger": "cron", "hour": h, "minute": m}
        if job.kind == "monthly":
            day, _, at = value.partition(" ")
            h, m = parse_time(at or "09:00")
            d = int(day)
            if not 1 <= d <= 28:
                raise ValueError(value)
            return {"trigger": "cron", "day": d, "hour": h, "minute": m}
    except ValueError as exc:
        raise ValueError(f"{name}: not a valid {job.kind} time") from exc
    raise ValueError(f"unknown job kind {job.kind!r}")


def validate(settings: Settings) -> None:
    """Check every time in the table (the reminder must not fall in quiet hours)."""
    for job in JOBS:
        trigger_args(job, settings)
    reminder = spec("evening_reminder")
    h, m = parse_time(reminder.value(settings))
    quiet = (
        str(settings.extra.get("quiet_start", QUIET_START)),
        str(settings.extra.get("quiet_end", QUIET_END)),
    )
    if in_quiet_hours(datetime(2000, 1, 1, h, m), *quiet):
        raise ValueError(
            f"DANGJIAN_REMINDER_AT={reminder.value(settings)!r} falls in quiet hours "
            f"({quiet[0]}-{quiet[1]}); reminders are never sent then"
        )


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """(job, title, when) for display."""
    out = []
    for job in JOBS:
        value = job.value(settings)
        when = {
            "daily": f"每天 {value}",
            "monthly": f"每月{value.partition(' ')[0]}日 {value.partition(' ')[2]}",
            "interval": f"每 {value} 秒",
        }[job.kind]
        out.append((job.id, job.title, when))
    return out


def first_of_month(day: date) -> date:
    return day.replace(day=1)
