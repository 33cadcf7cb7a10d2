"""The command line: outbox, broadcast, meeting add|list|attendance, compliance, jobs."""

from __future__ import annotations

import re

from click.testing import CliRunner, Result

from bot.cli import main
from bot.clock import FixedClock
from bot.services import Services
from tests.jobs.conftest import drain


def _run(services: Services, *args: str, stdin: str | None = None) -> Result:
    env = {
        "DANGJIAN_DB": services.settings.db,
        "DANGJIAN_CONTENT_DIR": services.settings.content_dir,
        "DANGJIAN_QUIZ_DIR": services.settings.quiz_dir,
    }
    return CliRunner().invoke(main, list(args), env=env, input=stdin)


def test_broadcast_and_outbox(services: Services) -> None:
    r = _run(
        services,
        "broadcast",
        "--branch",
        "营销党支部",
        "--group",
        "乡镇党小组",
        "明天上午配送检查",
        stdin="n\n",
    )
    assert "发给 营销党支部 · 乡镇党小组 5 人：" in r.output
    assert "已取消" in r.output  # no confirmation given
    r = _run(
        services,
        "broadcast",
        "--branch",
        "营销党支部",
        "--from",
        "13800000011",
        "--yes",
        "明天上午配送检查",
    )
    assert r.exit_code == 0, r.output
    assert "已排入推送队列，编号 1，10 人。" in r.output
    r = _run(services, "outbox")
    assert r.output.startswith("pending 10  sending 0  sent 0  skipped 0  failed 0")
    services.store.execute(
        "UPDATE outbox SET status = 'failed', reason = 'errcode:43004', last_error = 'require subscribe'"
        " WHERE id = 1"
    )
    r = _run(services, "outbox", "--status", "failed")
    assert re.search(
        r"#1 failed  broadcast:1 2026-\d\d-\d\d \S+ .*\[errcode:43004\] require subscribe", r.output
    )
    r = _run(services, "broadcast", "--branch", "没有这个支部", "--yes", "x")
    assert r.exit_code == 1 and "没有叫「没有这个支部」的支部" in r.output


def test_scheduled_broadcast_refuses_past_time(services: Services) -> None:
    r = _run(
        services, "broadcast", "--branch", "机关党支部", "--at", "2020-01-01 09:00", "--yes", "x"
    )
    assert r.exit_code == 1 and "已经过去了" in r.output
    r = _run(
        services,
        "broadcast",
        "--branch",
        "机关党支部",
        "--at",
        "2099-01-01 09:00",
        "--yes",
        "新年好",
    )
    assert r.exit_code == 0 and "已安排，编号 1" in r.output


def test_meeting_commands_and_compliance(services: Services) -> None:
    r = _run(
        services,
        "meeting",
        "add",
        "--type",
        "党小组会",
        "--branch",
        "机关党支部",
        "--group",
        "专卖党小组",
        "--at",
        "2099-03-05 15:00",
        "--place",
        "二楼",
    )
    assert r.exit_code == 0, r.output
    code = re.search(r"签到码 (\d{4})", r.output).group(1)  # type: ignore[union-attr]
    assert "会议编号 1，2099年3月5日（周四）15:00，已通知 5 人" in r.output
    r = _run(
        services,
        "meeting",
        "add",
        "--type",
        "党小组会",
        "--branch",
        "机关党支部",
        "--at",
        "2099-03-05 15:00",
    )
    assert r.exit_code == 1 and "--group" in r.output
    r = _run(services, "meeting", "list")
    assert (
        f"#1 机关党支部 党小组会（专卖党小组） 3月5日（周四）15:00 二楼  签到码 {code}  应到 5 实到 0 请假 0"
        in r.output
    )
    r = _run(services, "meeting", "attendance", "1")
    assert "应到 5 人，实到 0 人，请假 0 人，未签到 5 人。" in r.output
    r = _run(services, "compliance", "--branch", "机关党支部", "--month", "2099-03")
    assert "3月还缺：支委会、党小组会（综合党小组）。" in r.output
    assert "本季度还缺：支部党员大会。" in r.output
    assert "党课：本季度还没有（条例要求按期上党课，没有规定次数" in r.output
    assert "1 个支部，1 个有缺项。" in r.output


def test_jobs_command_lists_the_table(services: Services) -> None:
    r = _run(services, "jobs")
    assert r.exit_code == 0, r.output
    assert (
        "study_push" in r.output
        and "每天 07:30" in r.output
        and "DANGJIAN_STUDY_PUSH_AT" in r.output
    )
    assert "租约 lease: 无人持有" in r.output


def test_outbox_after_a_drain(services: Services, clock: FixedClock) -> None:
    _run(services, "broadcast", "--branch", "机关党支部", "--yes", "测试")
    clock.set("2099-01-01T10:00:00+08:00")  # the command stamped its rows with the real time
    drain(services)
    assert _run(services, "outbox").output.startswith("pending 0  sending 0  sent 10")
