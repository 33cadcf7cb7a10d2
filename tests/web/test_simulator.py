"""The chat simulator page: members list, sending through the signed /wechat path, pushes."""

from __future__ import annotations

from flask import Flask

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
            "SELECT COUNT(*) FROM inbound_log WHERE openid = ?", (zhang["openid"],)
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
