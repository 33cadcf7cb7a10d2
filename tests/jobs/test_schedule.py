"""The job table: study push, the evening reminder (right members, once, never at night),
the monthly summary with 三会一课 compliance, and catching up after downtime."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from bot import compliance
from bot.clock import FixedClock, stamp
from bot.config import load_settings
from bot.jobs import schedule
from bot.jobs.runner import JobRunner
from bot.services import Services
from storage import checkins, console_inbox, job_runs, meetings, outbox
from storage import quiz as quiz_store
from tests import dbs
from tests.jobs.conftest import drain, outbox_rows, run_job


def _id(services: Services, name: str) -> int:
    return int(services.store.scalar("SELECT id FROM members WHERE name = :name", {"name": name}))


def test_study_push_once_a_day(services: Services) -> None:
    assert run_job(services, "study_push") == 20
    assert run_job(services, "study_push") == 0
    rows = outbox_rows(services, "study")
    assert rows[0]["text"].startswith("【今日学习】")
    assert rows[0]["text"].endswith("回复「打卡」完成今日学习，「答题」参加每日答题。")


def test_evening_reminder_picks_the_right_members_once(
    services: Services, clock: FixedClock
) -> None:
    day = "2026-12-02"
    zhang, liu, chen = (_id(services, n) for n in ("张伟", "刘洋", "陈静"))
    checkins.add(services.store, zhang, day, stamp(clock.now()), None)
    with services.store.tx():
        sid = quiz_store.create_session(
            services.store, liu, day, "daily", [("q1", False, "ABCD")], stamp(clock.now())
        )
        quiz_store.finish_session(services.store, sid, 1, 1, stamp(clock.now()))
    clock.set("2026-12-02T20:00:00+08:00")
    assert run_job(services, "evening_reminder") == 18
    names = {r["name"] for r in outbox_rows(services, "reminder")}
    assert "张伟" not in names and "刘洋" not in names and "陈静" in names
    assert outbox_rows(services, "reminder")[0]["text"].startswith("【学习提醒】")
    clock.set("2026-12-02T21:00:00+08:00")
    assert run_job(services, "evening_reminder") == 0  # at most one a day
    drain(services)
    inbox = console_inbox.since(services.store, "wechat", f"sim-member-{chen}")
    assert [r["text"][:6] for r in inbox] == ["【学习提醒】"]
    assert drain(services).claimed == 0


def test_no_reminder_in_quiet_hours(services: Services, clock: FixedClock) -> None:
    clock.set("2026-12-02T22:30:00+08:00")  # a late catch-up run
    assert run_job(services, "evening_reminder") == 0
    clock.set("2026-12-03T07:00:00+08:00")
    assert run_job(services, "evening_reminder") == 0
    assert outbox_rows(services, "reminder") == []


def test_reminder_time_in_quiet_hours_is_refused(tmp_path: Path) -> None:
    settings = load_settings(
        env={"DANGJIAN_REMINDER_AT": "23:00"}, dotenv=None, db=dbs.db_for(tmp_path, "x.db")
    )
    with pytest.raises(ValueError, match="falls in quiet hours"):
        schedule.validate(settings)
    bad = load_settings(env={"DANGJIAN_STUDY_PUSH_AT": "7.30"}, dotenv=None)
    with pytest.raises(ValueError, match="DANGJIAN_STUDY_PUSH_AT='7.30'"):
        schedule.validate(bad)


def test_job_times_come_from_settings() -> None:
    settings = load_settings(
        env={"DANGJIAN_STUDY_PUSH_AT": "06:45", "DANGJIAN_MONTHLY_SUMMARY_AT": "2 08:30"},
        dotenv=None,
    )
    assert schedule.trigger_args(schedule.spec("study_push"), settings) == {
        "trigger": "cron",
        "hour": 6,
        "minute": 45,
    }
    assert schedule.trigger_args(schedule.spec("monthly_summary"), settings) == {
        "trigger": "cron",
        "day": 2,
        "hour": 8,
        "minute": 30,
    }
    assert schedule.trigger_args(schedule.spec("dispatch"), settings) == {
        "trigger": "interval",
        "seconds": 3.0,
    }


def _meeting(
    services: Services, branch: str, type_: str, at: str, group: str | None = None
) -> None:
    store = services.store
    bid = int(store.scalar("SELECT id FROM branches WHERE name = :name", {"name": branch}))
    gid = (
        store.scalar("SELECT id FROM party_groups WHERE name = :name", {"name": group})
        if group
        else None
    )
    meetings.create(store, bid, gid, type_, at, "会议室", "1234", None, at, [])


def test_compliance_and_monthly_summary(services: Services, clock: FixedClock) -> None:
    _meeting(services, "机关党支部", "支委会", "2026-12-03T16:00:00+08:00")
    _meeting(services, "机关党支部", "党小组会", "2026-12-10T10:00:00+08:00", "综合党小组")
    _meeting(services, "机关党支部", "党课", "2026-10-20T15:00:00+08:00")
    clock.set("2026-12-05T09:00:00+08:00")
    office = compliance.check_all(services.store, date(2026, 12, 1), clock.now(), "机关党支部")[0]
    assert office.missing_month == ["党小组会（专卖党小组）"]
    assert office.missing_quarter == ["支部党员大会"]
    assert office.held == {"支委会": 1, "党课": 1} and office.planned == {"党小组会": 1}
    text = compliance.render(office)
    assert text.splitlines() == [
        "机关党支部 三会一课（2026年第4季度）：支委会 1 次、党小组会 0 次（另已安排 1 次）、支部党员大会 0 次、党课 1 次。",
        "12月还缺：党小组会（专卖党小组）。",
        "本季度还缺：支部党员大会。",
    ]

    clock.set("2027-01-01T09:00:00+08:00")
    assert run_job(services, "monthly_summary") == 3  # 王建国 and 吴芳 (管理员), 徐海
    assert run_job(services, "monthly_summary") == 0
    rows = {r["name"]: r["text"] for r in outbox_rows(services, "monthly_summary")}
    assert set(rows) == {"王建国", "吴芳", "徐海"}
    assert rows["王建国"].startswith("【12月工作小结】机关党支部\n党员 10 人，")
    assert "12月还缺：党小组会（专卖党小组）。" in rows["王建国"]
    assert "本季度还缺：支部党员大会。" in rows["王建国"]
    assert "12月还缺：支委会、党小组会（城区党小组）、党小组会（乡镇党小组）。" in rows["徐海"]


def test_catch_up_after_downtime(
    services: Services, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    store = services.store
    job_runs.record(store, "study_push", "2026-12-01T07:30:02+08:00", None)
    job_runs.record(store, "evening_reminder", "2026-11-30T20:00:01+08:00", None)
    job_runs.record(store, "monthly_summary", "2026-12-01T09:00:00+08:00", None)
    clock.set("2026-12-02T08:15:00+08:00")  # down from yesterday morning until now
    runner = JobRunner(services)
    with caplog.at_level("WARNING"):
        due = runner.catch_up(clock.now())
    assert [(j.id, t.isoformat()) for j, t in due] == [("study_push", "2026-12-02T07:30:00+08:00")]
    log = caplog.text
    assert "evening_reminder: run of 2026-11-30 20:00:00+08:00" not in log
    assert (
        "evening_reminder: run of 2026-12-01 20:00:00+08:00 missed while stopped, older than the 3600s grace; skipped"
        in log
    )
    assert job_runs.last(store, "evening_reminder")["note"] == "missed; skipped"  # type: ignore[index]
    runner.active = True
    assert runner.run_job(due[0][0], due[0][1]) == 20
    assert job_runs.last(store, "study_push")["note"] == "catch-up of 2026-12-02T07:30:00+08:00"  # type: ignore[index]
    assert runner.catch_up(clock.now()) == []  # nothing more to catch up


def test_runner_schedules_every_job_with_timezone_grace_and_coalesce(services: Services) -> None:
    services.push([outbox.Push("test", "2026-12-02", _id(services, "张伟"), "notice", "你好")])
    runner = JobRunner(services)
    runner.start()
    try:
        assert runner.scheduler is not None
        jobs = {j.id: j for j in runner.scheduler.get_jobs()}
        assert set(jobs) >= {j.id for j in schedule.JOBS} | {"lease_renew"}
        study = jobs["study_push"]
        assert str(study.trigger.timezone) == "Asia/Shanghai"
        assert (study.misfire_grace_time, study.coalesce) == (3 * 3600, True)
        assert study.next_run_time.strftime("%H:%M") == "07:30"
        deadline = time.monotonic() + 10
        while outbox.counts(services.store).get("sent") != 1 and time.monotonic() < deadline:
            time.sleep(0.02)  # the dispatcher runs at once on start
        assert outbox.counts(services.store) == {"sent": 1}
    finally:
        runner.shutdown()
    assert runner.scheduler is None
    from storage import lease

    assert lease.holder(services.store) is None


def test_housekeeping_forgets_old_logs_but_keeps_recent_ones(wechat, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import Member
    from tests.jobs.conftest import run_job

    services = wechat.services
    user = Member(wechat, "o-old")
    user.say("帮助")
    user.say("绑定 张伟 13900000000")  # a failed bind attempt
    clock.advance(days=31)
    user.say("帮助")
    assert services.store.scalar("SELECT COUNT(*) FROM inbound_log") == 3
    run_job(services, "housekeeping")
    assert services.store.scalar("SELECT COUNT(*) FROM inbound_log") == 1
    assert services.store.scalar("SELECT COUNT(*) FROM bind_failures") == 0


def test_housekeeping_prunes_old_pushes_and_the_delivery_summary_stays_whole(
    services: Services, clock: FixedClock
) -> None:
    """Sent and skipped pushes older than DANGJIAN_OUTBOX_KEEP_DAYS go; a notice's delivery
    summary and `dangjian outbox` still count them."""
    from dataclasses import replace

    from bot import notices
    from storage import broadcasts

    services.settings = replace(services.settings, extra={"outbox_keep_days": "7"})
    author = _id(services, "王建国")
    branch = int(
        services.store.scalar("SELECT branch_id FROM members WHERE id = :id", {"id": author})
    )
    bid, recipients = notices.send_now(services, branch, None, author, "周五学习", clock.now())
    drain(services)
    row = broadcasts.get(services.store, bid) or {}
    summary = notices.summary_text(services.store, row, clock.tz)
    counts = outbox.counts(services.store)
    job = broadcasts.job_name(bid)
    assert len(outbox_rows(services, job)) == recipients > 0

    clock.advance(days=6)
    run_job(services, "housekeeping")
    assert len(outbox_rows(services, job)) == recipients  # six days: kept
    clock.advance(days=2)
    assert run_job(services, "housekeeping") >= recipients
    assert outbox_rows(services, job) == []
    assert notices.summary_text(services.store, row, clock.tz) == summary
    assert outbox.counts(services.store) == counts
