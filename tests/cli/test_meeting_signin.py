"""`dangjian meeting signin 会议编号 手机号`: the secretary signs in a member who was locked out
after twenty wrong codes."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner, Result

from bot import meetings
from bot.cli import main
from bot.clock import SystemClock
from bot.services import Services
from storage import members
from storage import points as ledger


def _run(services: Services, *args: str) -> Result:
    env = {
        "DANGJIAN_DB": services.settings.db,
        "DANGJIAN_CONTENT_DIR": services.settings.content_dir,
        "DANGJIAN_QUIZ_DIR": services.settings.quiz_dir,
    }
    return CliRunner().invoke(main, list(args), env=env)


def test_locked_out_member_is_signed_in_by_the_secretary(services: Services) -> None:
    now = SystemClock().now()  # the command line runs on the wall clock
    branch = members.branch_by_name(services.store, "机关党支部")
    assert branch is not None
    created = meetings.create(
        services, int(branch["id"]), None, "支部党员大会", now + timedelta(minutes=10), "三楼",
        None, now - timedelta(days=1),
    )  # fmt: skip
    liu = members.by_phone(services.store, "13800000004")
    assert liu is not None
    wrong = [f"{n:04d}" for n in range(10000) if f"{n:04d}" != created.code][:20]
    replies = [meetings.sign_in(services, liu, c, now) for c in wrong]
    assert "已锁定" in replies[4] and all("已锁定" in r for r in replies[5:])
    assert "已锁定" in meetings.sign_in(services, liu, created.code, now)
    assert ledger.total(services.store, liu.id) == 0

    r = _run(services, "meeting", "signin", str(created.id), "13800000004")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("已为 刘洋 签到：支部党员大会 ")
    assert r.output.rstrip().endswith("三楼，积分 +2。")
    assert ledger.total(services.store, liu.id) == 2
    assert meetings.sign_in(services, liu, created.code, now).startswith("你已经签到过了")
    again = _run(services, "meeting", "signin", str(created.id), "13800000004")
    assert again.exit_code == 0 and again.output.startswith("刘洋 已经签到过了")
    assert ledger.total(services.store, liu.id) == 2  # points once


def test_signin_refusals(services: Services) -> None:
    now = SystemClock().now()
    branch = members.branch_by_name(services.store, "营销党支部")
    assert branch is not None
    later = meetings.create(
        services, int(branch["id"]), None, "党课", now + timedelta(days=2), "", None, now
    )
    r = _run(services, "meeting", "signin", "99", "13800000011")
    assert r.exit_code == 1 and "没有编号为 99 的会议。" in r.output
    r = _run(services, "meeting", "signin", str(later.id), "13900000000")
    assert r.exit_code == 1 and "没有手机号为 13900000000 的党员。" in r.output
    r = _run(services, "meeting", "signin", str(later.id), "13800000004")  # 机关党支部
    assert r.exit_code == 1 and "刘洋 不在这次会议的参会范围内" in r.output
    r = _run(services, "meeting", "signin", str(later.id), "13800000011")
    assert r.exit_code == 1 and "还没到签到时间" in r.output
    r = _run(services, "meeting", "signin", "--help")
    assert "MEETING_ID" in r.output and "补签" in r.output
