"""The outbox dispatcher against the fake WeChat/WeCom API: channel choice, every error class
ending in its documented status, token refresh, quiet hours, and recovery after a crash."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.channels import push
from bot.clock import FixedClock, parse_stamp, stamp
from bot.config import load_settings
from bot.demo import load_demo
from bot.jobs.dispatch import Dispatcher, in_quiet_hours
from bot.services import Services, build_services
from storage import members, outbox
from tests.fakes.wechat_api import FakeWeChatAPI
from tests.jobs.conftest import api_settings, drain, outbox_rows

NOW = datetime.fromisoformat("2026-12-02T09:00:00+08:00")


def _member_id(services: Services, name: str) -> int:
    return int(services.store.scalar("SELECT id FROM members WHERE name = :name", {"name": name}))


def _follow(services: Services, name: str, openid: str, last_inbound: datetime | None) -> int:
    """Bind a member to an openid; last_inbound None = never wrote."""
    mid = _member_id(services, name)
    store = services.store
    members.bind(store, "wechat", openid, mid, stamp(NOW))
    members.set_subscribed(store, "wechat", openid, True, stamp(NOW))
    if last_inbound is not None:
        members.touch_follower(store, "wechat", openid, stamp(last_inbound))
    return mid


def _push(
    services: Services, mid: int, kind: str = "notice", job: str = "test", text: str = "你好"
) -> None:
    services.push([outbox.Push(job, "2026-12-02", mid, kind, text)])


def _row(services: Services, mid: int, job: str = "test") -> dict[str, Any]:
    row = services.store.one(
        "SELECT * FROM outbox WHERE member_id = :mid AND job = :job", {"mid": mid, "job": job}
    )
    assert row is not None
    return row


def _drain_until_final(services: Services, clock: FixedClock, rounds: int = 20) -> int:
    """Drain, move the clock past any backoff, repeat; returns the rounds used."""
    for i in range(rounds):
        drain(services)
        if not outbox.unfinished(services.store):
            return i + 1
        clock.advance(hours=2)
    raise AssertionError("the outbox never settled: something retries forever")


# -- choosing the channel ---------------------------------------------------------------------


def _settings(**kw: Any) -> Any:
    return load_settings(env={}, dotenv=None, **kw)


ROW = {
    "member_id": 7,
    "kind": "notice",
    "member_active": 1,
    "wecom_userid": None,
    "wechat_openid": "o-7",
    "wechat_subscribed": 1,
    "wechat_last_inbound_at": None,
}
OA = {"wechat_appid": "wx1", "wechat_secret": "s"}
WECOM = {"wecom_corpid": "ww1", "wecom_secret": "s", "wecom_agentid": "1"}


@pytest.mark.parametrize(
    ("settings", "row", "expected"),
    [
        (WECOM, {"wecom_userid": "u7"}, push.Route("wecom", "u7", "app")),
        ({**WECOM, **OA}, {"wecom_userid": "u7"}, push.Route("wecom", "u7", "app")),
        (
            OA,
            {"wechat_last_inbound_at": stamp(NOW - timedelta(hours=47))},
            push.Route("wechat", "o-7", "custom"),
        ),
        (OA, {"wechat_last_inbound_at": stamp(NOW - timedelta(hours=49))}, push.Skip("window")),
        (
            {**OA, "wechat_templates": "study=T-STUDY, notice=T-NOTICE"},
            {},
            push.Route("wechat", "o-7", "template", "T-NOTICE"),
        ),
        ({**OA, "wechat_templates": "study=T-STUDY"}, {}, push.Skip("window")),
        (OA, {"wechat_openid": None}, push.Skip("unbound")),
        (OA, {"wechat_subscribed": 0}, push.Skip("unsubscribed")),
        (
            {**WECOM, **OA},
            {"wechat_last_inbound_at": stamp(NOW)},
            push.Route("wechat", "o-7", "custom"),
        ),
        (WECOM, {}, push.Skip("unbound")),
        ({}, {}, push.Route("console", "o-7", "console")),
        ({}, {"wechat_openid": None}, push.Route("console", "sim-member-7", "console")),
        ({}, {"member_active": 0}, push.Skip("inactive")),
    ],
)
def test_channel_choice(settings: dict[str, str], row: dict[str, Any], expected: object) -> None:
    assert push.choose(_settings(**settings), {**ROW, **row}, NOW) == expected


def test_window_template_and_skip_through_the_fake(
    tmp_path: Path, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    settings = replace(api_settings(tmp_path, fake_api), wechat_templates="notice=T-NOTICE")
    services = build_services(settings, clock=clock)
    load_demo(services.store, stamp(NOW))
    recent = _follow(services, "张伟", "o-recent", NOW - timedelta(hours=3))
    old = _follow(services, "刘洋", "o-old", NOW - timedelta(days=5))
    for mid in (recent, old):
        _push(services, mid, "notice")
        _push(services, mid, "study", job="study")
    drain(services)
    assert sorted((m.api, m.touser) for m in fake_api.received()) == [
        ("custom", "o-recent"),
        ("custom", "o-recent"),
        ("template", "o-old"),
    ]
    template = next(m for m in fake_api.received() if m.api == "template")
    assert template.body["template_id"] == "T-NOTICE"
    assert template.body[
        "data"
    ] == {  # the old form: keyword1=title, keyword2=time, keyword3=summary
        "keyword1": {"value": "支部通知"},
        "keyword2": {"value": "2026年12月2日 09:00"},
        "keyword3": {"value": "你好"},
    }
    assert template.body["client_msg_id"] == f"outbox-{_row(services, old)['id']}"
    assert _row(services, old, "study")["status"] == "skipped"
    assert _row(services, old, "study")["reason"] == "window"
    assert _row(services, old)["channel"] == "wechat:template"
    services.store.close()


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "reason"),
    [
        ({"errcode": -1}, "failed", "errcode:-1"),
        ({"errcode": 45009}, "failed", "errcode:45009"),
        ({"errcode": 45047}, "skipped", "quota"),
        ({"http_status": 502}, "failed", "http:502"),
        ({"drop": True}, "unknown", "network"),
        ({"latency": 0.4}, "unknown", "timeout"),
        ({"errcode": 43004}, "failed", "errcode:43004"),
        ({"errcode": 40003}, "failed", "errcode:40003"),
        ({"http_status": 404}, "failed", "http:404"),
        ({"errcode": 45015}, "skipped", "window"),
        ({"errcode": 40001}, "failed", "errcode:40001"),
    ],
)
def test_each_error_class_ends_in_its_status(
    tmp_path: Path,
    fake_api: FakeWeChatAPI,
    clock: FixedClock,
    fault: dict[str, Any],
    status: str,
    reason: str,
) -> None:
    settings = api_settings(tmp_path, fake_api, push_max_attempts="3", push_timeout="0.2")
    services = build_services(settings, clock=clock)
    load_demo(services.store, stamp(NOW))
    mid = _follow(services, "张伟", "o-zhang", NOW)
    fake_api.inject(times=None, api="custom", **fault)
    _push(services, mid)
    _drain_until_final(services, clock)
    row = _row(services, mid)
    assert (row["status"], row["reason"]) == (status, reason)
    transient = reason in ("errcode:-1", "errcode:45009", "http:502", "errcode:40001")
    assert row["attempts"] == (3 if transient else 1)
    assert fake_api.calls["custom"] == row["attempts"] * (2 if reason == "errcode:40001" else 1)
    if transient:
        assert row["last_error"].startswith("gave up after 3 attempts")
    if status == "unknown":  # it went out and may have arrived: never sent again
        assert row["last_error"].startswith("outcome unknown, not repeated")
    else:
        assert fake_api.received() == []
    services.store.close()


def test_transient_error_then_success_with_backoff(
    api_services: Services, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    mid = _follow(api_services, "张伟", "o-zhang", NOW)
    fake_api.inject(errcode=45009, times=2)
    _push(api_services, mid)
    drain(api_services)
    row = _row(api_services, mid)
    assert (row["status"], row["attempts"], row["reason"]) == ("pending", 1, "errcode:45009")
    assert parse_stamp(row["next_attempt_at"]) == parse_stamp("2026-12-02T09:00:30+08:00")
    drain(api_services)  # not due yet: nothing sent
    assert fake_api.calls["custom"] == 1
    clock.advance(seconds=30)
    drain(api_services)
    later = parse_stamp(_row(api_services, mid)["next_attempt_at"])
    assert later == parse_stamp("2026-12-02T09:01:30+08:00")  # 60 s
    clock.advance(seconds=60)
    drain(api_services)
    row = _row(api_services, mid)
    assert (row["status"], row["attempts"], row["channel"]) == ("sent", 3, "wechat:custom")
    assert fake_api.count_by_user() == {"o-zhang": 1}


def test_token_refreshed_once_on_40001(api_services: Services, fake_api: FakeWeChatAPI) -> None:
    mid = _follow(api_services, "张伟", "o-zhang", NOW)
    other = _follow(api_services, "刘洋", "o-liu", NOW)
    _push(api_services, mid)
    drain(api_services)
    assert fake_api.token_fetches["wechat"] == 1
    fake_api.expire_token("wechat")  # someone fetched a new token elsewhere
    _push(api_services, other)
    drain(api_services)
    assert fake_api.token_fetches["wechat"] == 2
    assert _row(api_services, other)["status"] == "sent"
    assert fake_api.count_by_user() == {"o-zhang": 1, "o-liu": 1}


def test_wecom_app_messages(tmp_path: Path, fake_api: FakeWeChatAPI, clock: FixedClock) -> None:
    services = build_services(api_settings(tmp_path, fake_api, wecom=True), clock=clock)
    load_demo(services.store, stamp(NOW))
    zhang = _member_id(services, "张伟")  # wecom userid 'zhangwei'
    chen = _member_id(services, "陈静")  # no wecom userid, not bound
    liu = _member_id(services, "刘洋")  # wecom userid 'liuyang'
    fake_api.inject(api="wecom", touser="liuyang", errcode=60111)
    for mid in (zhang, chen, liu):
        _push(services, mid)
    drain(services)
    assert [(m.api, m.touser, m.text) for m in fake_api.received()] == [
        ("wecom", "zhangwei", "你好")
    ]
    assert fake_api.received()[0].body["agentid"] == 1000002
    assert _row(services, chen)["reason"] == "unbound"
    assert (_row(services, liu)["status"], _row(services, liu)["reason"]) == (
        "failed",
        "errcode:60111",
    )
    services.store.close()


def test_quiet_hours_and_expired_pushes(
    api_services: Services, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    mid = _follow(api_services, "张伟", "o-zhang", NOW)
    clock.set("2026-12-02T22:10:00+08:00")
    api_services.push([outbox.Push("reminder", "2026-12-02", mid, "reminder", "该学习了")])
    api_services.push([outbox.Push("study", "2026-12-01", mid, "study", "昨天的学习")])
    api_services.push([outbox.Push("broadcast:9", "2026-12-02", mid, "notice", "通知")])
    drain(api_services)
    assert (
        _row(api_services, mid, "reminder")["status"],
        _row(api_services, mid, "reminder")["reason"],
    ) == ("skipped", "quiet_hours")
    assert _row(api_services, mid, "study")["reason"] == "expired"
    assert [m.text for m in fake_api.received()] == ["通知"]  # notices are not held back
    assert in_quiet_hours(datetime.fromisoformat("2026-12-02T07:29:00+08:00"))
    assert not in_quiet_hours(datetime.fromisoformat("2026-12-02T07:30:00+08:00"))
    assert not in_quiet_hours(datetime.fromisoformat("2026-12-02T21:59:00+08:00"))


def test_rows_interrupted_while_sending_are_sent_again(
    api_services: Services, fake_api: FakeWeChatAPI
) -> None:
    ids = [_follow(api_services, n, f"o-{i}", NOW) for i, n in enumerate(("张伟", "刘洋", "陈静"))]
    for mid in ids:
        _push(api_services, mid)
    claimed = outbox.claim_due(api_services.store, stamp(NOW), 2)  # a runner died after this
    assert [r["attempts"] for r in claimed] == [1, 1]
    assert outbox.counts(api_services.store) == {"sending": 2, "pending": 1}
    assert outbox.reset_interrupted(api_services.store, stamp(NOW)) == 2
    assert _row(api_services, ids[0])["reason"] == "interrupted"
    drain(api_services)
    assert outbox.counts(api_services.store) == {"sent": 3}
    assert fake_api.count_by_user() == {"o-0": 1, "o-1": 1, "o-2": 1}


def test_enqueue_is_idempotent(api_services: Services) -> None:
    mid = _member_id(api_services, "张伟")
    p = outbox.Push("study", "2026-12-02", mid, "study", "x")
    assert api_services.push([p, p]) == 1
    assert api_services.push([p]) == 0


def test_rate_limiter_paces_each_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    slept: list[float] = []
    monkeypatch.setattr(push.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(push.time, "sleep", lambda s: slept.append(round(s, 3)))
    limiter = push.RateLimiter(20)
    for _ in range(3):
        limiter.acquire("wechat")
    limiter.acquire("wecom")
    assert slept == [0.05, 0.1]  # 20 per second on wechat; wecom has its own pace
    push.RateLimiter(0).acquire("wechat")
    assert slept == [0.05, 0.1]


def test_a_bug_in_a_channel_does_not_leave_rows_sending(api_services: Services) -> None:
    class Broken:
        name = "wechat"

        def send(self, *args: object) -> None:
            raise RuntimeError("boom")

    mid = _follow(api_services, "张伟", "o-zhang", NOW)
    _push(api_services, mid)
    d = Dispatcher(api_services, channels={"wechat": Broken()})  # type: ignore[dict-item]
    d.drain()
    row = _row(api_services, mid)
    assert (row["status"], row["reason"]) == ("pending", "error")
    assert outbox_rows(api_services)[0]["last_error"] == "error: RuntimeError: boom"


def test_a_scheduler_in_another_time_zone_sends_due_pushes_at_once(
    api_services: Services, fake_api: FakeWeChatAPI, clock: FixedClock
) -> None:
    """The web process (Shanghai, +08:00) queues a push; the scheduler was started with
    DANGJIAN_TIMEZONE=+06:00. Compared as local text, 07:00+06:00 would sort before
    09:00+08:00 and the push would wait two hours; stored in UTC it goes out now."""
    mid = _follow(api_services, "张伟", "o-zhang", NOW)
    _push(api_services, mid)
    dhaka = FixedClock(clock.now(), tz="Asia/Dhaka")
    elsewhere = replace(
        api_services, clock=dhaka, settings=replace(api_services.settings, timezone="Asia/Dhaka")
    )
    assert outbox.due_count(elsewhere.store, stamp(dhaka.now())) == 1
    stats = drain(elsewhere)
    assert stats.claimed == 1
    assert _row(api_services, mid)["status"] == "sent"
    assert [r.touser for r in fake_api.received()] == ["o-zhang"]
