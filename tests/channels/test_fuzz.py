"""Arbitrary member text through the webhook: every reply parses back with wechatpy."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wechatpy import parse_message

from bot.app import create_app
from bot.channels.peer import WeChatPeer
from bot.clock import FixedClock, stamp
from bot.config import load_settings
from bot.demo import load_demo
from bot.services import build_services
from tests import dbs
from tests.conftest import APPID, START, TOKEN, flask_transport

AES = base64.b64encode(os.urandom(32)).decode().rstrip("=")

member_text = st.one_of(
    st.text(max_size=200),
    st.text(
        alphabet=st.sampled_from(list("]]><>&\x00\x01\x1f\x7f\ufffd😀党费ＡＢ，。 \n\t")),
        max_size=60,
    ),
    st.builds(lambda s: s * (4000 // max(len(s), 1)), st.text(min_size=1, max_size=5)),
    st.sampled_from(["]]>", "<![CDATA[x]]>", "&lt;", "绑定 ]]> 13800000000", "答题", "打卡"]),
)


def _peer(tmp: Path, aes: bool) -> WeChatPeer:
    clock = FixedClock(START)
    s = load_settings(
        env={},
        dotenv=None,
        wechat_token=TOKEN,
        wechat_appid=APPID,
        wechat_aes_key=AES if aes else "",
        db=dbs.db_for(tmp, f"fuzz-{aes}.db"),
        simulator="off",
    )
    services = build_services(s, clock=clock)  # (read-only log rows in batches, as served)
    load_demo(services.store, stamp(clock.now()))
    peer = WeChatPeer(
        flask_transport(create_app(s, services)),
        TOKEN,
        APPID,
        AES if aes else "",
        now=lambda: clock.now().timestamp(),
    )
    peer.services = services  # type: ignore[attr-defined]
    return peer


def test_arbitrary_text_always_gets_a_valid_reply(tmp_path: Path) -> None:
    peers = [_peer(tmp_path, False), _peer(tmp_path, True)]

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(text=member_text, aes=st.booleans())
    def check(text: str, aes: bool) -> None:
        peer = peers[int(aes)]
        reply = peer.send("o-fuzz", text)
        assert reply.status in (200, 400), reply.body
        if reply.status == 200 and reply.body != b"success":
            inner = peer.open_reply(reply.body)  # decrypts in safe mode, raises if invalid
            assert isinstance(inner.get("Content"), str)
            # wechatpy's own parser accepts the (decrypted) reply
            xml = reply.body
            if aes:
                xml = peer.crypto.decrypt_message(  # type: ignore[union-attr]
                    reply.body, *_sig(reply.body)
                ).encode()
            msg = parse_message(xml)
            assert msg.type == "text"

    try:
        check()
    finally:
        for peer in peers:
            peer.services.store.close()  # type: ignore[attr-defined]


def _sig(raw: bytes) -> tuple[str, str, str]:
    import xmltodict

    root = xmltodict.parse(raw)["xml"]
    return root["MsgSignature"], root["TimeStamp"], root["Nonce"]
