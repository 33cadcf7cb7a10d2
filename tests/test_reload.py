"""Content changes without a restart: `dangjian reload` and SIGHUP reach every running process;
a library that fails validation is not loaded and the old one stays."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from bot.channels.peer import WeChatPeer, http_transport
from bot.cli import main
from bot.clock import FixedClock
from bot.config import SHIPPED_CONTENT, load_settings
from bot.reload import request_reload
from bot.services import Services, build_services

TOKEN = "reload-token"
ORDERING = (SHIPPED_CONTENT / "policies" / "ordering.md").read_text(encoding="utf-8")
TITLE = next(line[7:] for line in ORDERING.splitlines() if line.startswith("title: "))


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _site(tmp_path: Path) -> Path:
    home = tmp_path / "site"
    (home / "content" / "policies").mkdir(parents=True)
    return home


def _retitle(home: Path, title: str) -> None:
    (home / "content" / "policies" / "ordering.md").write_text(
        ORDERING.replace(f"title: {TITLE}", f"title: {title}"), encoding="utf-8"
    )


@pytest.fixture
def site_services(tmp_path: Path, clock: FixedClock) -> Iterator[Services]:
    home = _site(tmp_path)
    services = build_services(load_settings(env={"DANGJIAN_HOME": str(home)}), clock=clock)
    yield services
    services.store.close()


def test_reload_swaps_valid_libraries_and_keeps_a_broken_one(
    site_services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    home = Path(site_services.settings.home)
    old_quizzes = site_services.quizzes
    _retitle(home, "卷烟订货（新版）")
    (home / "quizzes").mkdir()
    (home / "quizzes" / "bad.yaml").write_text("set: x\nquestions:\n  - id: q\n", "utf-8")
    generation = request_reload(site_services, "test")
    with caplog.at_level(logging.ERROR):
        assert site_services.reloader.check() is True
    assert site_services.reloader.seen == generation
    assert site_services.knowledge.get("ordering").title == "卷烟订货（新版）"
    assert site_services.quizzes is old_quizzes  # failed validation: the old one stays
    [line] = [r.getMessage() for r in caplog.records if "not reloaded" in r.getMessage()]
    assert "题库 questions not reloaded" in line and "bad.yaml" in line
    assert site_services.reloader.check() is False  # nothing new


def test_reload_cli_refuses_invalid_content(site_services: Services) -> None:
    home = Path(site_services.settings.home)
    (home / "content" / "policies" / "bad.md").write_text("no front matter\n", "utf-8")
    env = {"DANGJIAN_HOME": str(home)}
    result = CliRunner().invoke(main, ["reload"], env=env)
    assert result.exit_code == 1 and "bad.md:1" in result.output
    assert "nothing reloaded" in result.output
    assert site_services.reloader.check() is False
    (home / "content" / "policies" / "bad.md").unlink()
    result = CliRunner().invoke(main, ["reload"], env=env)
    assert result.exit_code == 0, result.output
    assert "generation 1" in result.output
    assert site_services.reloader.check() is True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _dangjian(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "dangjian"), *args]


def test_reload_while_serving(tmp_path: Path) -> None:
    """Two gunicorn workers and a scheduler: `dangjian reload`, then SIGHUP to the master."""
    home = _site(tmp_path)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DANGJIAN_")},
        "DANGJIAN_HOME": str(home),
        "DANGJIAN_WECHAT_TOKEN": TOKEN,
        "DANGJIAN_WECHAT_APPID": "wx-reload",
    }
    assert subprocess.run(_dangjian("migrate"), env=env, cwd=home, check=False).returncode == 0
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        _dangjian("serve", "--port", str(port), "--workers", "2"),
        env=env,
        cwd=home,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            try:
                return requests.get(url + "/healthz", timeout=2).status_code == 200
            except requests.ConnectionError:
                return False

        _wait(up, 60, "dangjian serve")
        peer = WeChatPeer(http_transport(url), TOKEN, "wx-reload")

        def titles() -> set[str]:  # several asks: both workers answer some
            return {peer.send("o-reload", "卷烟怎么订货").text.split("\n")[0] for _ in range(6)}

        assert titles() == {f"【{TITLE}】"}
        _retitle(home, "卷烟订货（本地）")
        assert titles() == {f"【{TITLE}】"}  # nothing changes before a reload
        done = subprocess.run(_dangjian("reload"), env=env, cwd=home, capture_output=True)
        assert done.returncode == 0, done.stderr
        _wait(lambda: titles() == {"【卷烟订货（本地）】"}, 30, "every worker to reload")

        _retitle(home, "卷烟订货（信号）")
        server.send_signal(signal.SIGHUP)
        _wait(lambda: titles() == {"【卷烟订货（信号）】"}, 60, "SIGHUP to reload")

        def generation() -> int:
            return int(requests.get(url + "/healthz", timeout=5).json()["content"]["generation"])

        _wait(lambda: min(generation() for _ in range(4)) >= 2, 30, "the SIGHUP generation")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
