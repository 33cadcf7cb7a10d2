"""The /wechat callback driven the way the WeChat server drives it: signatures, safe mode,
retries, events, and every kind of bad input (4xx, never 500)."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
import xmltodict
from flask import Flask

from bot.channels.callback import signature
from bot.channels.peer import WeChatPeer
from bot.clock import FixedClock
from bot.dialog import replies
from tests.conftest import TOKEN, Member, bound


def signed_query(
    clock: FixedClock, ts: int | None = None, nonce: str = "", token: str = TOKEN, **extra: str
) -> str:
    """A signed query string; a fresh nonce each time unless one is given (a second use of a
    timestamp and nonce with another body is refused as a replay)."""
    nonce = nonce or secrets.token_hex(5)
    t = str(ts if ts is not None else int(clock.now().timestamp()))
    params = {"timestamp": t, "nonce": nonce, "signature": signature(token, t, nonce), **extra}
    return "/wechat?" + urlencode(params)


def text_xml(openid: str = "o-raw", content: str = "帮助", msg_id: str = "900001") -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>1764637200</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


# -- URL verification -------------------------------------------------------------------------


def test_get_echoes_echostr_when_signed(app: Flask, clock: FixedClock) -> None:
    r = app.test_client().get(signed_query(clock, echostr="hello123"))
    assert r.status_code == 200 and r.data == b"hello123"


def test_get_with_wrong_signature_is_403(app: Flask, clock: FixedClock) -> None:
    r = app.test_client().get(signed_query(clock, token="other", echostr="x"))
    assert r.status_code == 403


def test_get_without_parameters_is_403(app: Flask) -> None:
    assert app.test_client().get("/wechat").status_code == 403


# -- signatures and freshness -----------------------------------------------------------------


def test_wrong_signature_is_403(app: Flask, clock: FixedClock) -> None:
    r = app.test_client().post(signed_query(clock, token="wrong"), data=text_xml())
    assert r.status_code == 403


@pytest.mark.parametrize("offset", [-301, 301, -3600, 86400])
def test_stale_or_future_timestamp_is_403(app: Flask, clock: FixedClock, offset: int) -> None:
    ts = int(clock.now().timestamp()) + offset
    r = app.test_client().post(signed_query(clock, ts=ts), data=text_xml())
    assert r.status_code == 403


def test_timestamp_within_five_minutes_is_accepted(app: Flask, clock: FixedClock) -> None:
    ts = int(clock.now().timestamp()) - 290
    r = app.test_client().post(signed_query(clock, ts=ts), data=text_xml())
    assert r.status_code == 200


def test_non_numeric_timestamp_is_403(app: Flask) -> None:
    q = "/wechat?" + urlencode(
        {"timestamp": "abc", "nonce": "n", "signature": signature(TOKEN, "abc", "n")}
    )
    assert app.test_client().post(q, data=text_xml()).status_code == 403


# -- malformed bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"not xml at all",
        b"<xml><ToUserName>unclosed",
        b"<root><ToUserName>a</ToUserName></root>",
        b"<xml></xml>",
        b"<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime></xml>",
        b"<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>soon</CreateTime><MsgType>text</MsgType></xml>",
        b"<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><FromUserName>c</FromUserName>"
        b"<CreateTime>1</CreateTime><MsgType>text</MsgType></xml>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><xml><ToUserName>&b;</ToUserName></xml>',
        b"\xff\xfe\x00<\x00x",
        "<xml><ToUserName>中文</ToUserName>".encode("gbk"),
    ],
)
def test_malformed_bodies_are_400(app: Flask, clock: FixedClock, body: bytes) -> None:
    r = app.test_client().post(signed_query(clock), data=body)
    assert r.status_code == 400, (body, r.data)


def test_body_over_64_kib_is_413(app: Flask, clock: FixedClock) -> None:
    body = text_xml(content="党" * 30_000).encode()
    assert len(body) > 64 * 1024
    assert app.test_client().post(signed_query(clock), data=body).status_code == 413


def test_chunked_body_without_length_over_limit_is_413(app: Flask, clock: FixedClock) -> None:
    """A real HTTP server and a chunked upload with no Content-Length."""
    import threading

    import requests
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:

        def chunks():  # type: ignore[no-untyped-def]
            yield b"<xml>"
            for _ in range(100):
                yield b"x" * 1024

        url = f"http://127.0.0.1:{server.server_port}" + signed_query(clock)
        r = requests.post(url, data=chunks(), timeout=10)
        assert r.status_code == 413
        small = requests.post(url, data=iter([text_xml().encode()]), timeout=10)
        assert small.status_code == 200
    finally:
        server.shutdown()


def test_streamed_body_without_length_over_limit_is_413(app: Flask, clock: FixedClock) -> None:
    import io

    body = io.BytesIO(b"<xml>" + b"x" * (70 * 1024))
    r = app.test_client().post(
        signed_query(clock), input_stream=body, environ_overrides={"wsgi.input_terminated": True}
    )
    assert r.status_code == 413


def test_attributes_and_repeated_content_do_not_break_replies(
    app: Flask, clock: FixedClock
) -> None:
    client = app.test_client()
    with_attr = text_xml().replace("<Content>", '<Content lang="zh">')
    r = client.post(signed_query(clock), data=with_attr)
    assert r.status_code == 200
    assert "我能帮你做这些" in xmltodict.parse(r.data)["xml"]["Content"]
    repeated = text_xml(msg_id="900002").replace("</Content>", "</Content><Content>again</Content>")
    r = client.post(signed_query(clock), data=repeated)
    assert r.status_code == 400 and b"repeated" in r.data
    r = client.post(
        signed_query(clock), data=text_xml(msg_id="900003").replace("<MsgType>", '<MsgType a="1">')
    )
    assert r.status_code == 200 and "我能帮你做这些" in xmltodict.parse(r.data)["xml"]["Content"]


def test_safe_mode_request_without_aes_configured_is_400(app: Flask, clock: FixedClock) -> None:
    q = signed_query(clock, encrypt_type="aes", msg_signature="0" * 40)
    body = b"<xml><ToUserName>gh</ToUserName><Encrypt>abcd</Encrypt></xml>"
    assert app.test_client().post(q, data=body).status_code == 400


# -- the conversation over both modes -----------------------------------------------------------


def test_follow_bind_help_and_check_in(wechat: WeChatPeer) -> None:
    li = Member(wechat, "o-lixiuying")
    welcome = li.event("subscribe")
    assert "欢迎关注党建学习助手" in welcome.text and "绑定 姓名 手机号" in welcome.text
    assert li.say("打卡") == replies.NEED_BIND
    assert "帮助" in li.say("帮助") and "打卡" in li.say("菜单")
    assert "绑定成功" in li.say("绑定 李秀英 13800000002")
    assert "打卡成功" in li.say("打卡")


def test_reply_is_addressed_back_to_the_sender(wechat: WeChatPeer) -> None:
    reply = wechat.send("o-someone", "帮助")
    assert reply.fields["ToUserName"] == "o-someone"
    assert reply.fields["MsgType"] == "text"


def test_retry_gets_the_same_bytes_and_runs_once(wechat: WeChatPeer) -> None:
    zhang = bound(wechat, "o-zw", "张伟", "13800000003")
    xml = wechat.text_xml(zhang.openid, "打卡", msg_id="777001")
    first = wechat.post(xml, nonce="abc", timestamp=None)
    second = wechat.post(xml, nonce="abc")
    third = wechat.post(xml, nonce="abc")
    assert first.status == second.status == third.status == 200
    assert first.body == second.body == third.body
    services = wechat.services  # type: ignore[attr-defined]
    assert services.store.scalar("SELECT COUNT(*) FROM checkins") == 1
    assert services.store.scalar("SELECT COUNT(*) FROM points WHERE kind = 'checkin'") == 1


def test_retried_event_is_deduplicated(wechat: WeChatPeer) -> None:
    xml = wechat.event_xml("o-new", "subscribe", create_time=1764637000)
    a = wechat.post(xml, nonce="same")
    b = wechat.post(xml, nonce="same")
    assert a.body == b.body and a.text


def test_voice_with_recognition_is_text(wechat: WeChatPeer) -> None:
    xml = (
        "<xml><ToUserName>gh</ToUserName><FromUserName>o-voice</FromUserName><CreateTime>1</CreateTime>"
        "<MsgType>voice</MsgType><MediaId>m</MediaId><Format>amr</Format><Recognition>帮助。</Recognition>"
        "<MsgId>880001</MsgId></xml>"
    )
    assert "我能帮你做这些" in wechat.post(xml).text
    unclear = xml.replace("<Recognition>帮助。</Recognition>", "").replace("880001", "880002")
    assert "没听清" in wechat.post(unclear).text


@pytest.mark.parametrize(
    "msg_type", ["image", "video", "shortvideo", "location", "link", "file", "miniprogrampage"]
)
def test_other_message_types_get_a_friendly_reply(wechat: WeChatPeer, msg_type: str) -> None:
    xml = (
        f"<xml><ToUserName>gh</ToUserName><FromUserName>o-media</FromUserName><CreateTime>1</CreateTime>"
        f"<MsgType>{msg_type}</MsgType><MsgId>{abs(hash(msg_type)) % 10**9}</MsgId></xml>"
    )
    reply = wechat.post(xml)
    assert reply.status == 200 and "文字" in reply.text


def test_events(wechat: WeChatPeer) -> None:
    user = Member(wechat, "o-events")
    assert user.event("unsubscribe").body == b"success"
    assert user.event("VIEW", "https://example.invalid/").body == b"success"
    assert user.event("LOCATION").body == b"success"
    assert "我能帮你做这些" in user.event("CLICK", "MENU_HELP").text
    assert user.event("CLICK", "MENU_CHECKIN").text == replies.NEED_BIND
    assert user.event("CLICK", "MENU_QUIZ").text == replies.NEED_BIND
    assert "菜单还没有设置好" in user.event("CLICK", "NO_SUCH_KEY").text
    services = wechat.services  # type: ignore[attr-defined]
    row = services.store.one("SELECT subscribed FROM followers WHERE openid = 'o-events'")
    assert row == {"subscribed": 0}


@pytest.mark.parametrize(
    "text",
    [
        "]]>",
        "a]]>b]]>c",
        "<xml>evil</xml>",
        "\x01\x02控制\x7f字符",
        "😀🎉 表情",
        "Ａ，。全角",
        "x" * 4000,
    ],
)
def test_member_text_is_echoed_safely(wechat: WeChatPeer, text: str) -> None:
    reply = wechat.send("o-echo", text)
    assert reply.status == 200
    assert reply.text  # parsed back by the fake WeChat server


@pytest.mark.parametrize("openid", ["o-]]>x", "]]>", "o-]]]]>>", "o-<![CDATA[x", "o-&amp;"])
def test_ids_with_cdata_ends_still_give_valid_reply_xml(wechat: WeChatPeer, openid: str) -> None:
    """To/FromUserName are echoed into the reply's CDATA sections: `]]>` in them (sent as
    `]]&gt;`) must not break the XML."""
    peer = WeChatPeer(
        wechat.transport, TOKEN, wechat.app_id, "", account="gh_]]>acc", now=wechat.now
    )
    peer.crypto = wechat.crypto
    reply = peer.send(openid, "帮助")
    assert reply.status == 200
    assert reply.fields["ToUserName"] == openid and reply.fields["FromUserName"] == "gh_]]>acc"
    assert "帮助" in reply.text or "绑定" in reply.text
    if wechat.crypto is None:
        ElementTree.fromstring(reply.body)  # well-formed as it stands
