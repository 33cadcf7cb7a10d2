"""Conversations: binding to the roster, one account per member, and the failure limit."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.channels.peer import WeChatPeer
from bot.cli import main
from bot.clock import FixedClock
from bot.services import build_services
from tests.conftest import Member


def test_bind_forms(wechat: WeChatPeer) -> None:
    assert "绑定成功" in Member(wechat, "o-1").say("绑定 张伟 13800000003")
    assert "绑定成功" in Member(wechat, "o-2").say("绑定：刘洋，138 0000 0004")
    assert "绑定成功" in Member(wechat, "o-3").say("綁定 陈静13800000005")  # traditional 綁
    assert "绑定成功" in Member(wechat, "o-4").say(
        "绑定 １３８０００００００６ 杨帆"
    )  # full-width digits, reversed


def test_bad_format_is_explained_and_not_counted(wechat: WeChatPeer) -> None:
    m = Member(wechat, "o-fmt")
    for _ in range(7):
        assert "格式不对" in m.say("绑定 张伟")
    assert "绑定成功" in m.say("绑定 张伟 13800000003")


def test_one_account_per_member(wechat: WeChatPeer) -> None:
    assert "绑定成功" in Member(wechat, "o-first").say("绑定 张伟 13800000003")
    answer = Member(wechat, "o-second").say("绑定 张伟 13800000003")
    assert "已绑定了另一个微信号" in answer and "联系支部书记" in answer
    again = Member(wechat, "o-first").say("绑定 刘洋 13800000004")
    assert "你已绑定为 张伟" in again


def test_five_failures_lock_the_account_for_an_hour(wechat: WeChatPeer, clock: FixedClock) -> None:
    m = Member(wechat, "o-guess")
    answers = [m.say(f"绑定 张伟 1380000009{i}") for i in range(5)]
    assert "还可以再试 4 次" in answers[0]
    assert "一小时内不能再试了" in answers[4]
    locked = m.say("绑定 张伟 13800000003")  # even the right answer is refused now
    assert "失败次数过多" in locked and "10:00" in locked
    clock.advance(minutes=61)
    assert "绑定成功" in m.say("绑定 张伟 13800000003")


def test_same_reply_for_wrong_phone_and_unknown_name(wechat: WeChatPeer) -> None:
    """The roster must not be enumerable: a known name with a wrong phone looks like a stranger."""
    a = Member(wechat, "o-a").say("绑定 张伟 13900000000")
    b = Member(wechat, "o-b").say("绑定 无此人 13900000000")
    assert a == b


def test_unbound_followers_get_help_but_not_checkin(wechat: WeChatPeer) -> None:
    m = Member(wechat, "o-stranger")
    assert "我能帮你做这些" in m.say("帮助")
    assert "绑定 姓名 手机号" in m.say("打卡")
    assert "绑定 姓名 手机号" in m.say("我的积分")


def _import(peer: WeChatPeer, tmp_path: Path, *names: str) -> None:
    """Import extra roster rows (phones 13900000001…) through `dangjian import-members`."""
    lines = ["姓名,手机号,支部,党小组,角色,类别,企业微信账号"] + [
        f"{name},139{n:08d},机关党支部,综合党小组,党员,员工," for n, name in enumerate(names, 1)
    ]
    roster = tmp_path / "extra.csv"
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {"DANGJIAN_DB": peer.services.settings.db}  # type: ignore[attr-defined]
    result = CliRunner().invoke(main, ["import-members", str(roster)], env=env)
    assert result.exit_code == 0, result.output


def _unbind(peer: WeChatPeer, phone: str) -> None:
    env = {"DANGJIAN_DB": peer.services.settings.db}  # type: ignore[attr-defined]
    assert CliRunner().invoke(main, ["unbind", phone], env=env).exit_code == 0


def test_names_bind_whatever_the_spelling(wechat: WeChatPeer, tmp_path: Path) -> None:
    _import(wechat, tmp_path, "陳靜", "欧阳 娜娜", "王㛃", "阿依·买买提", "欧阳\u3000丽")
    # 陳靜 in the roster: typed simplified, then (after an unbind) traditional.
    reply = Member(wechat, "o-a").say("绑定 陈静 13900000001")
    assert reply.startswith("绑定成功！陳靜同志")  # shown as the roster spells it
    _unbind(wechat, "13900000001")
    assert "绑定成功" in Member(wechat, "o-b").say("绑定 陳靜 13900000001")
    # A space in the roster name, typed with or without it.
    assert "绑定成功！欧阳 娜娜同志" in Member(wechat, "o-c").say("绑定 欧阳娜娜 13900000002")
    _unbind(wechat, "13900000002")
    assert "绑定成功" in Member(wechat, "o-d").say("绑定 欧阳 娜娜 13900000002")
    assert "绑定成功" in Member(wechat, "o-e").say("绑定 欧阳丽 13900000005")  # ideographic space
    # A rare character (CJK extension A) and a minority name's middle dot in another form.
    assert "绑定成功！王㛃同志" in Member(wechat, "o-f").say("绑定 王㛃 13900000003")
    assert "绑定成功" in Member(wechat, "o-g").say("绑定 阿依・买买提 13900000004")
    # Still a name and a phone that must both match.
    assert "没有找到" in Member(wechat, "o-h").say("绑定 陈晶 13900000001")


def test_rows_from_before_the_name_key_get_one_at_start(wechat: WeChatPeer) -> None:
    services = wechat.services  # type: ignore[attr-defined]
    services.store.execute("UPDATE members SET name_key = NULL")
    rebuilt = build_services(services.settings, clock=services.clock, store=services.store)
    assert rebuilt.store.scalar("SELECT COUNT(*) FROM members WHERE name_key IS NULL") == 0
    assert "绑定成功" in Member(wechat, "o-1").say("绑定 張偉 13800000003")
