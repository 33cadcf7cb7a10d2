"""The platforms' current rules, one test each, against the fake API: category templates with
typed fields, client_msg_id, the customer-service quota, stable_token, WeCom's 60020 and
duplicate check, and sends whose outcome is unknown (the slow fake API)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from bot import notices
from bot.app import create_app
from bot.channels.templates import sign
from bot.channels.wechat_push import WeChatPush
from bot.clock import FixedClock, stamp
from bot.demo import load_demo
from bot.jobs.dispatch import Dispatcher
from bot.services import Services, build_services
from storage import broadcasts, members, outbox
from tests.fakes.wechat_api import FakeWeChatAPI
from tests.jobs.conftest import api_settings, drain

NOW = datetime.fromisoformat("2026-12-02T09:00:00+08:00")
NOTICE = "notice=TPL-NOTICE:thing1=title,time2=time,thing3=summary,phrase4=branch"


def _services(tmp_path: Path, fake: FakeWeChatAPI, clock: FixedClock, **kw: Any) -> Services:
    settings = replace(api_settings(tmp_path, fake, **kw.pop("extra", {})), **kw)
    services = build_services(settings, clock=clock)
    load_demo(services.store, stamp(NOW))
    return services


def _follow(services: Services, name: str, openid: str, wrote: datetime | None) -> int:
    """Bind a member; `wrote`: when they last wrote (None: days ago, outside the 48 h)."""
    mid = int(services.store.scalar("SELECT id FROM members WHERE name = :name", {"name": name}))
    members.bind(services.store, "wechat", openid, mid, stamp(NOW))
    members.set_subscribed(services.store, "wechat", openid, True, stamp(NOW))
    wrote = wrote or NOW - timedelta(days=5)
    members.touch_follower(services.store, "wechat", openid, stamp(wrote))
    return mid


def _push(services: Services, mid: int, job: str, kind: str = "notice", text: str = "") -> None:
    text = (
        text or f"【机关党支部通知】{job}：周五下午三点在三楼会议室召开支部党员大会，请准时参加。"
    )
    services.push([outbox.Push(job, "2026-12-02", mid, kind, text)])


def _row(services: Services, job: str) -> dict[str, Any]:
    row = services.store.one("SELECT * FROM outbox WHERE job = :job", {"job": job})
    assert row is not None
    return row


# -- template messages ------------------------------------------------------------------------


def test_category_template_values_are_fitted_to_their_types(
    tmp_path: Path, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    fake_api.templates["TPL-NOTICE"] = ["thing1", "time2", "thing3", "phrase4"]
    services = _services(tmp_path, fake_api, clock, wechat_templates=NOTICE)
    mid = _follow(services, "刘洋", "o-liu", None)  # outside the 48 h
    _push(services, mid, "n1")
    drain(services)
    [got] = fake_api.received("template")
    assert got.body["data"] == {
        "thing1": {"value": "支部通知"},
        "time2": {"value": "2026年12月2日 09:00"},
        "thing3": {"value": "n1：周五下午三点在三楼会议室召开支部…"},
        "phrase4": {"value": "机关党支部"},
    }
    assert "first" not in got.body["data"] and "remark" not in got.body["data"]
    assert _row(services, "n1")["status"] == "sent"
    # The same text unfitted is what the platform refuses with 47003.
    raw = dict(
        got.body, client_msg_id="raw", data={**got.body["data"], "thing3": {"value": "x" * 21}}
    )
    token = fake_api.tokens["wechat"]
    answer = requests.post(
        f"{fake_api.url}/cgi-bin/message/template/send",
        params={"access_token": token},
        json=raw,
        timeout=5,
    ).json()
    assert answer["errcode"] == 47003 and "thing3" in answer["errmsg"]


def test_a_refused_template_value_is_a_permanent_failure(
    tmp_path: Path, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    fake_api.templates["TPL-NOTICE"] = ["thing1", "time2", "thing3", "phrase4", "thing9"]
    services = _services(tmp_path, fake_api, clock, wechat_templates=NOTICE)
    mid = _follow(services, "刘洋", "o-liu", None)
    _push(services, mid, "n1")
    drain(services)
    row = _row(services, "n1")
    assert (row["status"], row["reason"], row["attempts"]) == ("failed", "errcode:47003", 1)


def test_the_full_text_is_behind_the_template_link(
    tmp_path: Path, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    services = _services(
        tmp_path,
        fake_api,
        clock,
        wechat_templates=NOTICE,
        public_url="https://dj.example.org/",
    )
    mid = _follow(services, "刘洋", "o-liu", None)
    long_text = "【机关党支部通知】" + "请全体党员周五下午三点到三楼会议室参加支部党员大会，" * 6
    _push(services, mid, "n1", text=long_text)
    drain(services)
    [got] = fake_api.received("template")
    row_id = _row(services, "n1")["id"]
    assert (
        got.body["url"]
        == f"https://dj.example.org/m/{sign(services.settings.wechat_secret, row_id)}"
    )
    client = create_app(services.settings, services).test_client()
    page = client.get(got.body["url"].removeprefix("https://dj.example.org"))
    assert page.status_code == 200
    assert long_text in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"/m/{row_id}.forged").status_code == 404
    assert client.get(f"/m/{sign('another-secret', row_id)}").status_code == 404
    assert client.get("/m/%F0%9F%98%80").status_code == 404


def test_client_msg_id_keeps_a_timed_out_template_from_arriving_twice(
    tmp_path: Path, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    services = _services(
        tmp_path, fake_api, clock, wechat_templates=NOTICE, extra={"push_timeout": "0.3"}
    )
    mid = _follow(services, "刘洋", "o-liu", None)
    fake_api.inject(api="template", latency=0.8)  # taken, but answered after the timeout
    _push(services, mid, "n1")
    drain(services)
    row = _row(services, "n1")
    assert (row["status"], row["reason"]) == ("pending", "timeout")
    assert row["unsure_since"] == stamp(NOW)
    clock.advance(seconds=30)
    drain(services)
    row = _row(services, "n1")
    assert (row["status"], row["attempts"]) == ("sent", 2)
    fake_api.wait_idle()
    assert fake_api.calls["template"] == 2
    assert len(fake_api.received("template")) == 1  # the repeat was dropped by the platform
    assert fake_api.duplicates_dropped["template"] == 1


def test_a_template_is_not_repeated_once_the_platform_would_deliver_it_again(
    tmp_path: Path, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    services = _services(
        tmp_path,
        fake_api,
        clock,
        wechat_templates=NOTICE,
        extra={"push_timeout": "0.2", "push_backoff": "400"},
    )
    mid = _follow(services, "刘洋", "o-liu", None)
    fake_api.inject(api="template", latency=0.5, times=None)
    _push(services, mid, "n1")
    drain(services)
    row = _row(services, "n1")
    # The next try comes before the 10 minutes of dedupe are over (not after the 400 s backoff
    # doubled), and after that nothing more is tried.
    assert row["next_attempt_at"] == stamp(NOW + timedelta(seconds=400))
    clock.advance(seconds=400)
    drain(services)
    row = _row(services, "n1")
    assert row["next_attempt_at"] == stamp(NOW + timedelta(seconds=540))
    clock.advance(seconds=140)
    drain(services)
    row = _row(services, "n1")
    assert (row["status"], row["reason"], row["attempts"]) == ("unknown", "timeout", 3)


# -- customer-service messages ----------------------------------------------------------------


def test_customer_service_quota_then_template(
    tmp_path: Path, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    services = _services(tmp_path, fake_api, clock, wechat_templates=NOTICE)
    mid = _follow(services, "张伟", "o-zhang", NOW - timedelta(hours=1))
    fake_api.member_wrote("o-zhang")
    for i in range(7):
        _push(services, mid, f"n{i}")
    drain(services)
    assert sorted(m.api for m in fake_api.received()) == ["custom"] * 5 + ["template"] * 2
    assert fake_api.calls["custom"] == 5  # never asked past the quota
    # The member writes again: a new count starts.
    members.touch_follower(services.store, "wechat", "o-zhang", stamp(NOW))
    fake_api.member_wrote("o-zhang")
    _push(services, mid, "n7")
    drain(services)
    assert fake_api.received()[-1].api == "custom"


def test_customer_service_quota_without_a_template_is_skipped_and_summarized(
    tmp_path: Path, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    services = _services(tmp_path, fake_api, clock, wechat_custom_quota=2)
    store = services.store
    secretary = _follow(services, "王建国", "o-wang", NOW - timedelta(hours=1))
    _follow(services, "张伟", "o-zhang", NOW - timedelta(hours=1))
    zhang = int(store.scalar("SELECT id FROM members WHERE name = '张伟'"))
    for i in range(2):
        _push(services, zhang, f"earlier{i}")
    drain(services)
    branch = members.get(store, secretary)
    assert branch is not None
    bid, n = notices.send_now(services, branch.branch_id, None, secretary, "今晚学习", NOW)
    drain(services)
    row = store.one(
        "SELECT status, reason FROM outbox WHERE job = :job AND member_id = :mid",
        {"job": broadcasts.job_name(bid), "mid": zhang},
    )
    assert row == {"status": "skipped", "reason": "quota"}
    summary = notices.summary_text(store, broadcasts.get(store, bid) or {}, services.clock.tz)
    assert "48小时内客服消息已达上限（未配置模板消息） 1 人" in summary


def test_45047_from_the_platform_falls_back_to_the_template(
    tmp_path: Path, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    services = _services(tmp_path, fake_api, clock, wechat_templates=NOTICE)
    mid = _follow(services, "张伟", "o-zhang", NOW - timedelta(hours=1))
    fake_api.custom_quota = 0  # the platform counted more than we did
    _push(services, mid, "n1")
    drain(services)
    assert [m.api for m in fake_api.received()] == ["template"]
    assert _row(services, "n1")["channel"] == "wechat:template"


def test_a_timed_out_customer_service_message_is_not_repeated(
    tmp_path: Path, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    services = _services(tmp_path, fake_api, clock, extra={"push_timeout": "0.3"})
    store = services.store
    secretary = _follow(services, "王建国", "o-wang", NOW - timedelta(hours=1))
    zhang = _follow(services, "张伟", "o-zhang", NOW - timedelta(hours=1))
    fake_api.inject(api="custom", touser="o-zhang", latency=0.8)
    branch = members.get(store, secretary)
    assert branch is not None
    bid, _ = notices.send_now(services, branch.branch_id, None, secretary, "今晚学习", NOW)
    for _ in range(3):
        drain(services)
        clock.advance(minutes=5)
    row = store.one(
        "SELECT status, reason, attempts FROM outbox WHERE job = :job AND member_id = :mid",
        {"job": broadcasts.job_name(bid), "mid": zhang},
    )
    assert row == {"status": "unknown", "reason": "timeout", "attempts": 1}
    fake_api.wait_idle()
    assert fake_api.count_by_user("custom")["o-zhang"] == 1  # it arrived once, late
    summary = notices.summary_text(store, broadcasts.get(store, bid) or {}, services.clock.tz)
    assert "结果未知 1 人：平台超时未答复，可能已收到，为免重复未再发送。" in summary
    assert "发送失败" not in summary


# -- access tokens ----------------------------------------------------------------------------


def test_stable_token_survives_a_restart_and_web_workers_fetch_none(
    tmp_path: Path, fake_api: FakeWeChatAPI, clock: FixedClock, oa: Any
) -> None:
    services = oa.services
    mid = _follow(services, "张伟", "o-zhang", NOW)
    _push(services, mid, "n1")
    drain(services)
    assert fake_api.calls["stable_token"] == 1
    first = fake_api.tokens["wechat"]
    restarted = WeChatPush(services.settings)  # a new scheduler process
    assert restarted.client.access_token == first  # the token in force, not a new one
    _push(services, mid, "n2")
    drain(services)
    assert fake_api.tokens["wechat"] == first and fake_api.token_fetches["wechat"] == 1
    # The web side handles messages (and queues pushes) without ever asking for a token.
    before = dict(fake_api.calls)
    from tests.conftest import Member

    Member(oa, "o-new").say("帮助")
    assert fake_api.calls.get("stable_token") == before.get("stable_token")
    assert fake_api.calls.get("token") == before.get("token")


def test_a_refused_stable_token_is_force_refreshed_once(
    tmp_path: Path, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    services = _services(tmp_path, fake_api, clock)
    mid = _follow(services, "张伟", "o-zhang", NOW)
    push = WeChatPush(services.settings)
    token = push.client.access_token
    fake_api.inject(api="custom", errcode=40001)  # refused although stable_token hands it out
    assert push.client.refresh_token(token) != token
    assert fake_api.token_fetches["wechat"] == 2  # the first fetch and one forced refresh
    _push(services, mid, "n1")
    drain(services)
    assert _row(services, "n1")["status"] == "sent"


# -- WeCom ------------------------------------------------------------------------------------


def test_wecom_untrusted_ip_is_permanent_with_advice(
    tmp_path: Path, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    services = _services(tmp_path, fake_api, clock, extra={}, **_wecom(fake_api))
    zhang = int(services.store.scalar("SELECT id FROM members WHERE name = '张伟'"))
    fake_api.inject(api="wecom", errcode=60020, times=None)
    _push(services, zhang, "n1")
    drain(services)
    row = _row(services, "n1")
    assert (row["status"], row["reason"], row["attempts"]) == ("failed", "errcode:60020", 1)
    assert "企业可信IP" in row["last_error"] and "trusted IPs" in row["last_error"]


def test_wecom_duplicate_check_drops_the_retry_after_a_timeout(
    tmp_path: Path, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    services = _services(
        tmp_path, fake_api, clock, extra={"push_timeout": "0.3"}, **_wecom(fake_api)
    )
    zhang = int(services.store.scalar("SELECT id FROM members WHERE name = '张伟'"))
    fake_api.inject(api="wecom", latency=0.8)
    _push(services, zhang, "n1")
    dispatcher = Dispatcher(services)  # one scheduler process: one token (gettoken renews it)
    dispatcher.drain()
    clock.advance(seconds=30)
    dispatcher.drain()
    dispatcher.close()
    row = _row(services, "n1")
    assert (row["status"], row["attempts"]) == ("sent", 2)
    fake_api.wait_idle()
    assert len(fake_api.received("wecom")) == 1
    assert fake_api.duplicates_dropped["wecom"] == 1
    body = fake_api.received("wecom")[0].body
    assert body["enable_duplicate_check"] == 1
    assert body["duplicate_check_interval"] >= 30 + 60 + 120 + 240  # the whole retry window


def _wecom(fake: FakeWeChatAPI) -> dict[str, str]:
    from tests.fakes.wechat_api import AGENTID, CORPID, CORPSECRET

    return {
        "wecom_corpid": CORPID,
        "wecom_secret": CORPSECRET,
        "wecom_agentid": AGENTID,
        "wecom_api_base": fake.url,
    }
