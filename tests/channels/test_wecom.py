"""The /wecom callback driven the way WeCom drives it (always encrypted), and the proof that
what a member does on the Official Account works on WeCom: identity from the roster's WeCom
userid, check-in, points, notices (pushed back through the WeCom app API), meetings."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import create_app
from bot.clock import FixedClock, stamp
from bot.config import SHIPPED_CONTENT, SHIPPED_QUIZZES, load_settings
from bot.demo import load_demo
from bot.services import Services, build_services
from tests import dbs
from tests.conftest import Member
from tests.fakes.wechat_api import AGENTID, CORPID, CORPSECRET, FakeWeChatAPI
from tests.fakes.wecom_peer import WeComPeer
from tests.jobs.conftest import drain, outbox_rows, run_job

WECOM_TOKEN = "wecom-token"
WECOM_AES = base64.b64encode(os.urandom(32)).decode().rstrip("=")


@pytest.fixture
def fake() -> Iterator[FakeWeChatAPI]:
    api = FakeWeChatAPI().start()
    yield api
    api.stop()


@pytest.fixture
def wecom_services(tmp_path: Path, fake: FakeWeChatAPI, clock: FixedClock) -> Iterator[Services]:
    settings = load_settings(
        env={"DANGJIAN_PUSH_TIMEOUT": "2"},
        dotenv=None,
        wecom_corpid=CORPID,
        wecom_secret=CORPSECRET,
        wecom_agentid=AGENTID,
        wecom_token=WECOM_TOKEN,
        wecom_aes_key=WECOM_AES,
        wecom_api_base=fake.url,
        db=dbs.db_for(tmp_path, "wecom.db"),
        content_dir=str(SHIPPED_CONTENT),
        quiz_dir=str(SHIPPED_QUIZZES),
        simulator="off",
        push_rate=0.0,
    )
    services = build_services(settings, clock=clock)
    load_demo(services.store, stamp(clock.now()))
    yield services
    services.store.close()


@pytest.fixture
def peer(wecom_services: Services, clock: FixedClock) -> WeComPeer:
    app = create_app(wecom_services.settings, wecom_services)
    return WeComPeer(
        app.test_client(), WECOM_TOKEN, WECOM_AES, CORPID, now=lambda: clock.now().timestamp()
    )


def member(peer: WeComPeer, userid: str) -> Member:
    return Member(peer, userid)  # type: ignore[arg-type]


# -- the protocol -----------------------------------------------------------------------------


def test_url_verification_decrypts_echostr(peer: WeComPeer, clock: FixedClock) -> None:
    assert peer.verify("echo-1234567890") == (200, b"echo-1234567890")
    assert peer.verify("echo", sign=False)[0] == 403
    stale = int(clock.now().timestamp()) - 3600
    assert peer.verify("echo", timestamp=stale)[0] == 403
    ts = int(clock.now().timestamp())
    r = peer.client.get(f"/wecom?msg_signature=abc&timestamp={ts}&nonce=1")
    assert r.status_code == 400


def test_bad_messages_get_4xx_never_500(peer: WeComPeer, clock: FixedClock) -> None:
    assert peer.post(peer.text_xml("zhangwei", "打卡"), sign=False).status == 403
    ts = int(clock.now().timestamp())
    r = peer.client.post(
        f"/wecom?msg_signature=x&timestamp={ts}&nonce=n", data=b"<xml><a>1</a></xml>"
    )
    assert r.status_code in (400, 403)
    r = peer.client.post(f"/wecom?msg_signature=x&timestamp={ts}&nonce=n", data=b"not xml")
    assert r.status_code == 400
    r = peer.client.post("/wecom", data=b"<xml/>")
    assert r.status_code == 403


def test_retry_gets_the_same_reply_and_checks_in_once(
    peer: WeComPeer, wecom_services: Services
) -> None:
    xml = peer.text_xml("zhangwei", "打卡", msg_id="555")
    first = peer.post(xml)
    again = peer.post(xml)
    assert first.text.startswith("打卡成功！") and again.text == first.text
    assert wecom_services.store.scalar("SELECT COUNT(*) FROM checkins") == 1


# -- a member on WeCom ------------------------------------------------------------------------


def test_member_conversation_without_binding(peer: WeComPeer) -> None:
    zhang = member(peer, "zhangwei")
    assert (
        zhang.say("绑定 张伟 13800000003")
        == "企业微信已自动识别你的身份：张伟（机关党支部），无需绑定。"
    )
    assert zhang.say("打卡").startswith("打卡成功！已连续学习 1 天，积分 +1。")
    assert zhang.say("我的积分").startswith("张伟的积分：本月 1 分")
    assert "答题" in zhang.say("帮助")
    assert "需要先绑定" not in zhang.say("答题")
    stranger = member(peer, "not-in-roster")
    assert "需要先绑定" in stranger.say("打卡")
    assert (
        stranger.say("绑定 张三 13900000000")
        == "没有在花名册里找到你的企业微信账号，请联系支部书记补充。"
    )
    assert zhang.peer.event("zhangwei", "enter_agent").body == b"success"


def test_notice_over_wecom_reaches_members_once(
    peer: WeComPeer, wecom_services: Services, fake: FakeWeChatAPI
) -> None:
    secretary = member(peer, "wangjianguo")
    assert secretary.say("发布通知 明天上午9点集中学习").startswith(
        "【通知预览】将发给机关党支部全体 10 人"
    )
    assert secretary.say("确认").startswith("通知已发出（编号 1），共 10 人")
    drain(wecom_services)
    # the roster has WeCom userids for 6 of the 10; the others have none and no Official Account
    assert fake.count_by_user("wecom") == {
        "wangjianguo": 1,
        "lixiuying": 1,
        "zhangwei": 1,
        "liuyang": 1,
        "yangfan": 1,
        "wufang": 1,
    }
    assert fake.received("wecom")[0].body["agentid"] == int(AGENTID)
    run_job(wecom_services, "broadcast_summaries")
    drain(wecom_services)
    summary = [m.text for m in fake.received("wecom") if m.touser == "wangjianguo"][-1]
    assert "已送达 6 人。" in summary and "未绑定微信 4 人" in summary
    assert {
        r["channel"] for r in outbox_rows(wecom_services, "broadcast:1") if r["status"] == "sent"
    } == {"wecom:app"}


def test_meeting_over_wecom(peer: WeComPeer, clock: FixedClock) -> None:
    secretary = member(peer, "wangjianguo")
    zhang = member(peer, "zhangwei")
    created = secretary.say("会议 党课 2026-12-02 10:00 党员活动室")
    code = re.search(r"签到码：(\d{4})", created).group(1)  # type: ignore[union-attr]
    clock.set("2026-12-02T09:45:00+08:00")
    assert zhang.say(f"签到 {code}") == "签到成功！党课 12月2日（周三）10:00 党员活动室。积分 +2。"
    assert (
        secretary.say("出勤").splitlines()[1] == "应到 10 人，实到 1 人，请假 0 人，未签到 9 人。"
    )
