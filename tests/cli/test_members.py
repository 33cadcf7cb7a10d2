"""Members who leave: `dangjian members deactivate` and `import-members --sync` on the command
line, and what the member and the secretary then see in chat."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from bot.channels.peer import WeChatPeer
from bot.cli import main
from bot.clock import FixedClock
from bot.dialog import replies
from bot.membership import deactivate
from bot.services import Services
from storage import members
from tests.conftest import Member
from tests.jobs.conftest import outbox_rows, run_job

HEADER = "姓名,手机号,支部,党小组,角色,类别,企业微信账号"


def cli(services: Services, *args: str, answer: str | None = None) -> tuple[int, str]:
    env = {"DANGJIAN_DB": services.settings.db}
    result = CliRunner().invoke(main, list(args), env=env, input=answer)
    return result.exit_code, result.output


def _services(peer: WeChatPeer) -> Services:
    return peer.services  # type: ignore[attr-defined,no-any-return]


def test_a_deactivated_member_keeps_history_but_is_out_of_everything(
    wechat: WeChatPeer, zhangwei: Member, secretary: Member, clock: FixedClock
) -> None:
    services = _services(wechat)
    store = services.store
    assert "打卡成功" in zhangwei.say("打卡")
    meeting = secretary.say("会议 支部党员大会 2026-12-05 15:00 三楼会议室")
    code = re.search(r"签到码：(\d{4})", meeting).group(1)  # type: ignore[union-attr]
    assert secretary.say("出勤").splitlines()[1].startswith("应到 10 人")

    code_, out = cli(services, "members", "deactivate", "138 0000 0003")
    assert code_ == 0 and out.startswith("已停用 张伟（机关党支部）")

    # The member: no check-in, quiz, sign-in, leave or points; no binding on any account.
    for text in ("打卡", "答题", f"签到 {code}", "请假 出差", "我的积分", "心得 学习了"):
        assert zhangwei.say(text) == replies.DEACTIVATED, text
    assert zhangwei.say("绑定 张伟 13800000003") == replies.DEACTIVATED
    assert "没有找到" in Member(wechat, "o-new-phone").say("绑定 张伟 13800000003")
    assert "我能帮你做这些" in zhangwei.say("帮助")  # still answered as a visitor

    # The secretary: out of 未完成, notices and reminders (and 应到: see the next test).
    unfinished = secretary.say("未完成").splitlines()
    assert unfinished[0] == "12月2日 机关党支部 共 9 人：" and "张伟" not in "".join(unfinished)
    assert "预览" in secretary.say("发布通知 周五下午学习")
    assert "共 9 人" in secretary.say("确认")
    broadcast = [r for r in outbox_rows(services) if str(r["job"]).startswith("broadcast:")]
    assert len(broadcast) == 9 and all(r["member_id"] != 3 for r in broadcast)
    clock.advance(days=1)  # a day 张伟 has not studied: still no reminder
    run_job(services, "evening_reminder")
    reminders = outbox_rows(services, "reminder")
    assert len(reminders) == 19 and all(r["member_id"] != 3 for r in reminders)

    # Out of the rankings; the history stays.
    _, ranking = cli(services, "points", "--date", "2026-12-02")
    assert "张伟" not in ranking and "王建国" in ranking
    assert store.scalar("SELECT COUNT(*) FROM checkins WHERE member_id = 3") == 1
    assert store.scalar("SELECT COUNT(*) FROM points WHERE member_id = 3") >= 1
    _, listing = cli(services, "members", "list", "--branch", "机关党支部")
    assert "张伟\t13800000003\t机关党支部\t综合党小组\t党员\t员工\t已停用" in listing
    assert "共 10 人，在册 9 人，已停用 1 人。" in listing

    # Undo.
    assert cli(services, "members", "activate", "13800000003")[1].startswith("已恢复 张伟")
    assert zhangwei.say("我的积分").startswith("张伟的积分")


def test_leaving_takes_a_member_off_meetings_that_have_not_started(
    wechat: WeChatPeer, secretary: Member, clock: FixedClock
) -> None:
    """(The CLI uses the real clock; the meetings here are on the test clock's calendar.)"""
    services = _services(wechat)
    assert secretary.say("会议 党课 2026-12-02 10:00 活动室").startswith("已安排")
    assert secretary.say("会议 支部党员大会 2026-12-05 15:00 三楼会议室").startswith("已安排")
    clock.set("2026-12-02T11:00:00+08:00")  # the 党课 has taken place
    zhang = members.by_phone(services.store, "13800000003")
    assert zhang is not None and deactivate(services.store, zhang, clock.now())
    invited = services.store.query(
        "SELECT x.type, COUNT(*) AS n, SUM(CASE WHEN mm.member_id = 3 THEN 1 ELSE 0 END) AS zhang"
        " FROM meeting_members mm JOIN meetings x ON x.id = mm.meeting_id GROUP BY x.type"
        " ORDER BY x.type"
    )
    assert invited == [
        {"type": "党课", "n": 10, "zhang": 1},  # history stays
        {"type": "支部党员大会", "n": 9, "zhang": 0},
    ]


def test_unknown_phone_and_repeated_deactivation(wechat: WeChatPeer) -> None:
    services = _services(wechat)
    code, out = cli(services, "members", "deactivate", "13999999999")
    assert code == 1 and "没有手机号为 13999999999 的党员" in out
    assert cli(services, "members", "deactivate", "13800000003")[0] == 0
    assert "本来就是停用状态" in cli(services, "members", "deactivate", "13800000003")[1]


def roster_without_zhangwei(tmp_path: Path) -> Path:
    from bot.demo import DEMO_ROSTER

    lines = [HEADER] + [
        ",".join(
            (r.name, r.phone, r.branch, r.group or "", r.role, r.category, r.wecom_userid or "")
        )
        for r in DEMO_ROSTER
        if r.name not in ("张伟", "马超")
    ]
    path = tmp_path / "roster.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_sync_lists_who_left_and_deactivates_after_confirmation(
    wechat: WeChatPeer, zhangwei: Member, tmp_path: Path
) -> None:
    services = _services(wechat)
    roster = str(roster_without_zhangwei(tmp_path))
    active = "SELECT COUNT(*) FROM members WHERE active = 1"

    code, out = cli(services, "import-members", roster, "--sync", answer="n\n")
    assert code == 1
    assert "文件里没有、将被停用的党员 2 人" in out
    assert "张伟  13800000003  机关党支部·综合党小组" in out and "马超  13800000013" in out
    assert "没有停用任何人。未导入任何数据。" in out
    assert services.store.scalar(active) == 20

    code, out = cli(services, "import-members", roster, "--sync", answer="y\n")
    assert code == 0 and "停用 deactivated 2" in out
    assert services.store.scalar(active) == 18
    assert zhangwei.say("打卡") == replies.DEACTIVATED

    # Back in the file: re-importing makes them active again; --yes asks nothing.
    code, out = cli(services, "members", "activate", "13800000003")
    code, out = cli(services, "import-members", roster, "--sync", "--yes")
    assert code == 0 and "停用 deactivated 1" in out  # 张伟 again; 马超 already was


def test_without_sync_nobody_is_deactivated(wechat: WeChatPeer, tmp_path: Path) -> None:
    services = _services(wechat)
    code, out = cli(services, "import-members", str(roster_without_zhangwei(tmp_path)))
    assert code == 0 and "停用" not in out
    assert services.store.scalar("SELECT COUNT(*) FROM members WHERE active = 1") == 20
