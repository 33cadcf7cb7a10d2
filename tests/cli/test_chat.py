"""`dangjian chat`: the terminal simulator signs and posts like WeChat to a running server, and
shows the pushes to the member it plays as they arrive."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from flask import Flask
from werkzeug.serving import make_server

from bot.cli import main
from bot.clock import FixedClock, SystemClock, stamp
from bot.config import load_settings
from bot.services import Services
from storage import console_inbox, members
from tests.conftest import TOKEN

ENV = {"DANGJIAN_WECHAT_TOKEN": TOKEN, "DANGJIAN_WECHAT_APPID": ""}


def serve(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture
def url(app: Flask, clock: FixedClock) -> Iterator[str]:
    clock.set(SystemClock().now())  # the terminal simulator signs with the wall clock
    yield from serve(app)


def push(services: Services, openid: str, text: str) -> None:
    console_inbox.deliver(services.store, "wechat", openid, text, stamp(services.clock.now()))


def wait_for(check, what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(500):
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"gave up waiting for {what}")


def test_chat_talks_to_a_running_server(url: str) -> None:
    result = CliRunner().invoke(
        main,
        ["chat", "--url", url, "--openid", "o-cli"],
        input="/subscribe\n绑定 张伟 13800000003\n打卡\n/quit\n",
        env=ENV,
    )
    assert result.exit_code == 0, result.output
    assert "欢迎关注党建学习助手" in result.output
    assert "绑定成功" in result.output
    assert "打卡成功" in result.output


def test_chat_shows_pushes_as_they_arrive(url: str, services: Services) -> None:
    push(services, "o-cli", "【机关党支部通知】上周的通知")
    read, write = os.pipe()
    stdin = os.fdopen(read, "rb")
    typed = os.fdopen(write, "wb", buffering=0)

    def member() -> None:
        """Types into the chat; a notice arrives while the chat is running."""
        typed.write("绑定 张伟 13800000003\n".encode())
        wait_for(lambda: members.bound_member(services.store, "wechat", "o-cli"), "the bind")
        push(services, "o-cli", "【机关党支部通知】周五下午3点开会")
        typed.write("帮助\n/quit\n".encode())
        typed.close()

    threading.Thread(target=member, daemon=True).start()
    result = CliRunner().invoke(
        main, ["chat", "--url", url, "--openid", "o-cli", "--poll", "30"], input=stdin, env=ENV
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "之前收到的推送（最近 1 条）：\n[推送] 【机关党支部通知】上周的通知" in out
    assert "[推送] 【机关党支部通知】周五下午3点开会" in out
    # Shown as it arrived: after the bind's reply, by the time the chat ends.
    assert out.index("绑定成功") < out.index("周五下午3点开会")
    assert out.count("周五下午3点开会") == 1


def test_chat_says_when_pushes_cannot_be_shown(
    tmp_path,
    clock: FixedClock,  # type: ignore[no-untyped-def]
) -> None:
    from bot.app import create_app
    from bot.demo import load_demo
    from bot.services import build_services

    clock.set(SystemClock().now())
    s = load_settings(
        env={}, dotenv=None, wechat_token=TOKEN, db=str(tmp_path / "c.db"), simulator="off"
    )
    services = build_services(s, clock=clock)
    load_demo(services.store, stamp(clock.now()))
    for url in serve(create_app(s, services)):
        result = CliRunner().invoke(
            main, ["chat", "--url", url, "--openid", "o-cli"], input="帮助\n", env=ENV
        )
        assert "这个服务没有开启模拟器，推送不会显示在这里" in result.output
        assert "我能帮你做这些" in result.output


def test_chat_with_the_wrong_token_shows_the_refusal(url: str) -> None:
    result = CliRunner().invoke(
        main, ["chat", "--url", url], input="帮助\n", env={"DANGJIAN_WECHAT_TOKEN": "not-the-token"}
    )
    assert "[HTTP 403] bad signature" in result.output


def test_chat_reports_a_server_that_is_down() -> None:
    result = CliRunner().invoke(main, ["chat", "--url", "http://127.0.0.1:9"], input="帮助\n")
    assert result.exit_code == 1
    assert "连不上 http://127.0.0.1:9：服务没有运行，或者地址不对。" in result.output
    assert "make run" in result.output and "Traceback" not in result.output


def test_chat_help_says_pushes_need_the_simulator() -> None:
    out = CliRunner().invoke(main, ["chat", "--help"]).output
    assert "DANGJIAN_SIMULATOR=on" in out and "--demo" in out
