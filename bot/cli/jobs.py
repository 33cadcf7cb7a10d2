"""Commands for pushes, notices and meetings: outbox, broadcast, meeting, compliance, jobs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import click

from bot.clock import show_stamp
from bot.config import load_settings


def _services() -> Any:
    from bot.services import build_services

    return build_services(load_settings())


def _branch(store: Any, name: str) -> dict[str, Any]:
    from storage import members

    row = members.branch_by_name(store, name.strip())
    if row is None:
        names = "、".join(b["name"] for b in members.branches(store)) or "（无）"
        raise click.ClickException(f"没有叫「{name}」的支部。现有支部：{names}。No such branch.")
    return row


def _group(store: Any, branch_id: int, name: str | None) -> dict[str, Any] | None:
    from storage import members

    if not name:
        return None
    row = members.group_by_name(store, branch_id, name.strip())
    if row is None:
        names = "、".join(g["name"] for g in members.groups(store, branch_id)) or "（无）"
        raise click.ClickException(f"该支部没有「{name}」。现有党小组：{names}。No such group.")
    return row


def _when(services: Any, text: str) -> datetime:
    from bot.when import WhenError, examples, parse_when

    now = services.clock.now()
    try:
        when = parse_when(text, now)
    except WhenError as exc:
        raise click.ClickException(f"{exc} 例如：{examples(now)}。") from exc
    if when.rest:
        raise click.ClickException(f"时间后面多了「{when.rest}」。Unexpected text after the time.")
    if when.at <= now:
        raise click.ClickException(
            f"这个时间已经过去了，例如可以写：{examples(now)}。That time has passed."
        )
    return when.at


@click.command()
@click.option(
    "--status",
    type=click.Choice(["pending", "sending", "sent", "skipped", "failed", "unknown"]),
    help="只看这种状态。Only rows with this status.",
)
@click.option("--job", help="只看这个任务，如 study、broadcast:3。Only this job.")
@click.option("--limit", default=30, show_default=True, help="最多显示几行。Rows to show.")
def outbox(status: str | None, job: str | None, limit: int) -> None:
    """查看推送队列：各状态数量，以及待发、失败的原因。unknown 是结果未知（平台超时没答复，
    可能已收到，不再重发）。已清理的旧记录（DANGJIAN_OUTBOX_KEEP_DAYS）只计入数量。

    Show the push outbox: counts per status (pruned rows included), then rows (newest first)
    with attempts, next attempt and the reason for skipped, failed and unknown ones (window,
    unbound, errcode:43004, timeout ...). `unknown`: the platform did not answer in time; the
    message may have arrived and is not sent again.
    """
    from storage import outbox as store_outbox

    services = _services()
    store = services.store
    counts = store_outbox.counts(store, job)
    order = ("pending", "sending", "sent", "skipped", "failed", "unknown")
    click.echo("  ".join(f"{s} {counts.get(s, 0)}" for s in order))
    rows = store_outbox.listing(store, status, job, limit)
    for r in rows:
        why = f" [{r['reason']}] {r['last_error'] or ''}" if r["reason"] else ""
        nxt = (
            f" next {show_stamp(r['next_attempt_at'], services.clock.tz)}"
            if r["status"] == "pending"
            else ""
        )
        click.echo(
            f"#{r['id']} {r['status']:<7} {r['job']} {r['period']} {r['name'] or '-'}"
            f" ({r['kind']}, {r['channel'] or '-'}, attempts {r['attempts']}){nxt}{why}"
        )
    if not rows:
        click.echo("（没有记录 no rows）")


@click.command()
@click.argument("text")
@click.option("--branch", required=True, help="支部名称。Branch name.")
@click.option("--group", help="只发给这个党小组。Only this party group.")
@click.option("--at", "at_text", help="定时发送，如 '明天 09:00'、'周五 15:00'。Send at this time.")
@click.option("--from", "author_phone", help="署名党员的手机号（收送达情况）。Author's phone.")
@click.option("--yes", is_flag=True, help="不再确认。Do not ask for confirmation.")
def broadcast(
    text: str,
    branch: str,
    group: str | None,
    at_text: str | None,
    author_phone: str | None,
    yes: bool,
) -> None:
    """向一个支部（或一个党小组）发布通知，可以定时。

    Send a notice to a branch or one party group, now or at --at. The scheduler delivers it;
    the author (--from) gets the delivery summary.
    """
    from bot import notices
    from bot.when import weekday
    from storage import members

    services = _services()
    store = services.store
    b = _branch(store, branch)
    g = _group(store, int(b["id"]), group)
    body = text.strip()
    if not body or len(body) > notices.MAX_TEXT:
        raise click.ClickException(f"通知内容需要 1 到 {notices.MAX_TEXT} 个字。")
    author = None
    if author_phone:
        author = members.by_phone(store, author_phone.strip())
        if author is None:
            raise click.ClickException("没有这个手机号的党员。No member with that phone.")
    at = _when(services, at_text) if at_text else None
    group_id = int(g["id"]) if g else None
    count = len(notices.recipients(store, int(b["id"]), group_id))
    who = notices.audience(b["name"], g["name"] if g else None)
    when = f"，{at:%Y-%m-%d}（{weekday(at.date())}）{at:%H:%M} 发送" if at else ""
    click.echo(f"发给 {who} {count} 人{when}：")
    click.echo(body)
    if not yes and not click.confirm("确认发送？Send?", default=False):
        click.echo("已取消。Cancelled.")
        return
    now = services.clock.now()
    author_id = author.id if author else None
    if at is not None:
        bid = notices.schedule(services, int(b["id"]), group_id, author_id, body, at, now)
        click.echo(f"已安排，编号 {bid}。Scheduled as notice {bid}.")
    else:
        bid, n = notices.send_now(services, int(b["id"]), group_id, author_id, body, now)
        click.echo(f"已排入推送队列，编号 {bid}，{n} 人。Queued notice {bid} for {n} members.")


@click.group()
def meeting() -> None:
    """三会一课会议：安排、列表、出勤、补签。

    三会一课 meetings: add, list, attendance, signin (sign a member in).
    """


@meeting.command("add")
@click.option(
    "--type",
    "type_",
    required=True,
    type=click.Choice(["支部党员大会", "支委会", "党小组会", "党课", "主题党日"]),
    help="会议类型。Meeting type.",
)
@click.option("--branch", required=True, help="支部名称。Branch name.")
@click.option("--group", help="党小组（党小组会必填）。Party group (required for 党小组会).")
@click.option(
    "--at", "at_text", required=True, help="开始时间，如 '周五 15:00'、'12月11日 15:00'。Start."
)
@click.option("--place", default="地点待定", show_default=True, help="地点。Place.")
@click.option("--by", "author_phone", help="组织者手机号（收请假通知）。Organizer's phone.")
def meeting_add(
    type_: str,
    branch: str,
    group: str | None,
    at_text: str,
    place: str,
    author_phone: str | None,
) -> None:
    """安排一次会议，通知参会党员，并给出签到码。

    Create a meeting, notify the members it concerns, and print the 4-digit sign-in code.
    """
    from bot import meetings
    from bot.when import show
    from storage import members

    services = _services()
    store = services.store
    b = _branch(store, branch)
    g = _group(store, int(b["id"]), group)
    if type_ == "党小组会" and g is None:
        raise click.ClickException("党小组会请用 --group 指定党小组。Use --group for 党小组会.")
    at = _when(services, at_text)
    author = members.by_phone(store, author_phone.strip()) if author_phone else None
    created = meetings.create(
        services,
        int(b["id"]),
        int(g["id"]) if g else None,
        type_,
        at,
        place.strip() or "地点待定",
        author.id if author else None,
        services.clock.now(),
    )
    click.echo(
        f"会议编号 {created.id}，{show(at, now=services.clock.now())}，已通知 {created.invited} 人，签到码 {created.code}。"
        f"Meeting {created.id}: {created.invited} members notified, sign-in code {created.code}."
    )


@meeting.command("list")
@click.option("--branch", help="只看这个支部。Only this branch.")
@click.option("--all", "show_all", is_flag=True, help="包括已结束的。Include past meetings.")
def meeting_list(branch: str | None, show_all: bool) -> None:
    """列出会议（默认只列还没结束的）。

    List meetings (upcoming by default) with their sign-in codes and attendance counts.
    """
    from bot import meetings as jm
    from bot.clock import stamp
    from storage import meetings

    services = _services()
    store = services.store
    branch_id = int(_branch(store, branch)["id"]) if branch else None
    start = None if show_all else stamp(services.clock.now() - jm.SIGN_AFTER)
    rows = meetings.list_for(store, branch_id, start=start)
    for r in rows:
        people = meetings.attendees(store, int(r["id"]))
        signed = sum(1 for p in people if p["status"] == "signed")
        leave = sum(1 for p in people if p["status"] == "leave")
        click.echo(
            f"#{r['id']} {r['branch']} {jm.describe(r, services.clock.tz)}  签到码 {r['code']}  "
            f"应到 {len(people)} 实到 {signed} 请假 {leave}"
        )
    if not rows:
        click.echo("（没有会议 no meetings）")


@meeting.command("attendance")
@click.argument("meeting_id", type=int)
def meeting_attendance(meeting_id: int) -> None:
    """某次会议的出勤：应到、实到、请假、缺席（含名单）。

    Attendance of one meeting: expected, present, on leave, absent, with names.
    """
    from bot import meetings as jm
    from storage import meetings

    services = _services()
    row = meetings.get(services.store, meeting_id)
    if row is None:
        raise click.ClickException(f"没有编号为 {meeting_id} 的会议。No such meeting.")
    click.echo(jm.report(services.store, row, services.clock.now(), services.clock.tz))


@meeting.command("signin")
@click.argument("meeting_id", type=int)
@click.argument("phone")
def meeting_signin(meeting_id: int, phone: str) -> None:
    """为到会党员补签（如签到码输错5次被锁定），记出勤和会议积分。

    Sign a member in to a meeting on the secretary's word (for example after five wrong codes
    locked them out): marks them present and awards the meeting points once. MEETING_ID is the
    number shown by `dangjian meeting list`; PHONE is the member's phone number.
    """
    from bot import meetings as jm
    from storage import members

    services = _services()
    member = members.by_phone(services.store, phone.strip())
    if member is None:
        raise click.ClickException(f"没有手机号为 {phone} 的党员。No member with that phone.")
    try:
        click.echo(jm.sign_in_for(services, meeting_id, member, services.clock.now()))
    except jm.SignInRefused as exc:
        raise click.ClickException(str(exc)) from exc


@click.command()
@click.option("--branch", help="只看这个支部。Only this branch.")
@click.option("--month", help="哪个月，如 2026-12（默认本月）。Month to check (default: this one).")
def compliance(branch: str | None, month: str | None) -> None:
    """检查各支部三会一课：支委会、党小组会每月，支部党员大会每季度；党课只计次数。

    Check each branch's 三会一课 against the 支部工作条例 cadence (支委会 and 党小组会 monthly,
    支部党员大会 quarterly; the 条例 sets no number for 党课, so they are only counted) and list
    what is missing this month and this quarter.
    """
    from bot import compliance as jc

    services = _services()
    now = services.clock.now()
    day = now.date()
    if month:
        try:
            day = date.fromisoformat(month.strip() + "-01")
        except ValueError as exc:
            raise click.ClickException("月份请写成 2026-12。Month as YYYY-MM.") from exc
    if branch:
        _branch(services.store, branch)
    results = jc.check_all(services.store, day, now, branch)
    for r in results:
        click.echo(jc.render(r))
        click.echo("")
    missing = sum(1 for r in results if not r.ok)
    click.echo(
        f"{len(results)} 个支部，{missing} 个有缺项。{missing} of {len(results)} incomplete."
    )


@click.command()
def jobs() -> None:
    """列出定时任务、时间、上次运行，以及谁持有定时任务租约。

    Show the job table with times (change them with DANGJIAN_* settings), the last runs and who
    holds the runner lease.
    """
    from bot.jobs import schedule
    from storage import job_runs, lease

    services = _services()
    tz = services.clock.tz
    runs = {r["job"]: r for r in job_runs.all_runs(services.store)}
    for job_id, title, when in schedule.describe(services.settings):
        last = runs.get(job_id)
        tail = f"  上次 last {show_stamp(last['ran_at'], tz)} {last['note']}" if last else ""
        spec = schedule.spec(job_id)
        click.echo(f"{job_id:<22} {when:<16} {title}  (DANGJIAN_{spec.setting.upper()}){tail}")
    holder = lease.holder(services.store)
    if holder:
        click.echo(
            f"租约 lease: host {holder['host']} pid {holder['pid']}"
            f" since {show_stamp(holder['since'], tz)}"
            f" expires {show_stamp(holder['expires_at'], tz)}"
        )
    else:
        click.echo("租约 lease: 无人持有 (no runner)")


COMMANDS = [outbox, broadcast, meeting, compliance, jobs]
