"""`dangjian chat`: the terminal simulator signs and posts like WeChat to a running server."""

from __future__ import annotations

import threading

from click.testing import CliRunner
from flask import Flask
from werkzeug.serving import make_server

from bot.cli import main
from bot.clock import FixedClock, SystemClock
from tests.conftest import TOKEN


def test_chat_talks_to_a_running_server(app: Flask, clock: FixedClock) -> None:
    clock.set(SystemClock().now())  # the terminal simulator signs with the wall clock
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = CliRunner().invoke(
            main,
            ["chat", "--url", f"http://127.0.0.1:{server.server_port}", "--openid", "o-cli"],
            input="/subscribe\n绑定 张伟 13800000003\n打卡\n/quit\n",
            env={"DANGJIAN_WECHAT_TOKEN": TOKEN, "DANGJIAN_WECHAT_APPID": ""},
        )
    finally:
        server.shutdown()
    assert result.exit_code == 0, result.output
    assert "欢迎关注党建学习助手" in result.output
    assert "绑定成功" in result.output
    assert "打卡成功" in result.output


def test_chat_with_the_wrong_token_shows_the_refusal(app: Flask, clock: FixedClock) -> None:
    clock.set(SystemClock().now())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = CliRunner().invoke(
            main,
            ["chat", "--url", f"http://127.0.0.1:{server.server_port}"],
            input="帮助\n",
            env={"DANGJIAN_WECHAT_TOKEN": "not-the-token"},
        )
    finally:
        server.shutdown()
    assert "[HTTP 403] bad signature" in result.output


def test_chat_reports_a_server_that_is_down() -> None:
    result = CliRunner().invoke(main, ["chat", "--url", "http://127.0.0.1:9"], input="帮助\n")
    assert "出错" in result.output
