"""The chat simulator page: members list, sending through the signed /wechat path, pushes."""

from __future__ import annotations

import json

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import stamp
from bot.services import Services
from storage import console_inbox


def test_page_and_assets_are_local(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/")
    assert page.status_code == 200 and "聊天模拟器".encode() in page.data
    for asset in ("/static/simulator.js", "/static/simulator.css"):
        r = client.get(asset)
        assert r.status_code == 200
        assert b"http://" not in r.data and b"https://" not in r.data
    assert b"https://" not in page.data


def test_pick_a_member_bind_and_check_in(app: Flask, services: Services) -> None:
    client = app.test_client()
    people = client.get("/simulator/members").get_json()
    assert len(people) == 20 and {p["branch"] for p in people} == {"机关党支部", "营销党支部"}
    zhang = next(p for p in people if p["name"] == "张伟")
    r = client.post(
        "/simulator/send", json={"openid": zhang["openid"], "text": f"绑定 张伟 {zhang['phone']}"}
    )
    assert r.get_json()["status"] == 200 and "绑定成功" in r.get_json()["reply"]
    r = client.post("/simulator/send", json={"openid": zhang["openid"], "text": "打卡"})
    assert "打卡成功" in r.get_json()["reply"]
    # the message went through the callback: it is in the inbound log
    assert (
        services.store.scalar(
            "SELECT COUNT(*) FROM inbound_log WHERE openid = :openid", {"openid": zhang["openid"]}
        )
        == 2
    )
    assert next(p for p in client.get("/simulator/members").get_json() if p["name"] == "张伟")[
        "bound"
    ]


def test_new_follower_gets_welcome(app: Flask) -> None:
    client = app.test_client()
    openid = client.post("/simulator/follower").get_json()["openid"]
    r = client.post("/simulator/send", json={"openid": openid, "event": "subscribe"})
    assert "欢迎关注" in r.get_json()["reply"]


def test_bad_simulator_requests_are_400(app: Flask) -> None:
    client = app.test_client()
    assert (
        client.post("/simulator/send", json={"openid": "o-real-user", "text": "hi"}).status_code
        == 400
    )
    assert client.post("/simulator/send", json={"openid": "sim-x", "text": "  "}).status_code == 400
    assert client.post("/simulator/send", data="garbage").status_code == 400


def test_inbox_shows_console_pushes(app: Flask, services: Services) -> None:
    now = stamp(services.clock.now())
    first = console_inbox.deliver(services.store, "wechat", "sim-member-3", "明早七点半学习", now)
    r = app.test_client().get("/simulator/inbox?openid=sim-member-3&after=0").get_json()
    assert [m["text"] for m in r] == ["明早七点半学习"]
    assert (
        app.test_client().get(f"/simulator/inbox?openid=sim-member-3&after={first}").get_json()
        == []
    )


def test_bad_simulator_input_is_4xx_never_500(app: Flask) -> None:
    client = app.test_client()
    for body in ("[1, 2]", '"hello"', "5", "null", "true", '{"openid": ["sim-1"]}'):
        r = client.post("/simulator/send", data=body, content_type="application/json")
        assert r.status_code == 400, body
    bad_json = [
        '{"openid": "sim-\\ud800", "text": "hi"}',  # a lone surrogate in the openid
        '{"openid": "sim-]]>", "text": "hi"}',
        '{"openid": "sim-member-3", "text": "\\udc00 hi"}',  # and in the text
        '{"openid": "sim-member-3", "text": 5}',
        '{"openid": "sim-member-3", "text": {"a": 1}}',
        '{"openid": "sim-member-3", "event": "subscribe", "key": ["x"]}',
        '{"openid": "sim-member-3", "event": "sub]]>scribe"}',
        '{"openid": "sim-member-3", "event": "click", "key": "\\ud83d"}',
    ]
    for body in bad_json:
        r = client.post("/simulator/send", data=body, content_type="application/json")
        assert r.status_code == 400, body
        assert "error" in r.get_json()
    for query in (
        "openid=sim-member-3&after=" + str(2**70),
        "openid=sim-member-3&after=-1",
        "openid=sim-member-3&after=1e3",
        "openid=sim-member-3&after=%EF%BC%91",  # a full-width digit
        "openid=%ED%A0%80&after=0",  # a lone surrogate, percent-encoded
        "openid=sim-%5D%5D%3E&after=0",  # ]]>
        "openid=&after=0",
    ):
        assert client.get("/simulator/inbox?" + query).status_code == 400, query
    assert client.get("/simulator/inbox?openid=sim-member-3").status_code == 200


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=6,
    ),
    st.sampled_from(["openid", "text", "event", "key"]),
)
def test_any_json_gets_200_or_400(app: Flask, value: object, field: str) -> None:
    client = app.test_client()
    for body in (value, {"openid": "sim-member-3", "text": "帮助", field: value}):
        r = client.post("/simulator/send", data=json.dumps(body), content_type="application/json")
        assert r.status_code in (200, 400), (body, r.status_code)


def test_identity_follows_the_binding(app: Flask) -> None:
    client = app.test_client()
    openid = client.post("/simulator/follower").get_json()["openid"]
    assert client.get(f"/simulator/identity?openid={openid}").get_json() == {"member": None}
    client.post("/simulator/send", json={"openid": openid, "text": "绑定 刘洋 13800000004"})
    member = client.get(f"/simulator/identity?openid={openid}").get_json()["member"]
    assert (member["name"], member["group"], member["role"]) == ("刘洋", "综合党小组", "党员")
    assert client.get("/simulator/identity?openid=%ED%A0%80").status_code == 400
