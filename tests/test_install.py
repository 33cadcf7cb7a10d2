"""The offline install, the way an organization's IT staff would do it (slow: marked `install`;
`make test` skips it, .ci/run runs it).

Build the wheel, make a wheelhouse without the network (tests/wheelhouse.py), install it into a
fresh venv with `pip install --no-index --find-links`, then from a data folder outside the
checkout: `dangjian init`, `migrate`, `import-members`, `check-content`, `serve`; and through
/wechat a member binds, asks a policy question, answers a quiz question and checks in.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook

from bot.channels.peer import WeChatPeer, http_transport
from tests.wheelhouse import build

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "install-test-token"
APPID = "wx-install-test"

pytestmark = pytest.mark.install


def _clean_env(**extra: str) -> dict[str, str]:
    """No DANGJIAN_* or pip settings from this machine; nothing pointing at the checkout."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DANGJIAN_", "PIP_", "PYTHON", "VIRTUAL_ENV"))
    }
    env["PIP_CONFIG_FILE"] = os.devnull  # no index or find-links from this machine's pip.conf
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra)
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{cmd}: {done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_offline_install_from_a_wheelhouse(tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    wheels = build(ROOT, wheelhouse)
    assert any(w.name.startswith("dangjian_bot-") for w in wheels)

    venv = tmp_path / "venv"
    env = _clean_env()
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    _run(
        [*pip, "install", "--no-index", "--find-links", str(wheelhouse), "dangjian-bot"],
        tmp_path,
        env,
    )
    dangjian = str(venv / "bin" / "dangjian")
    where = _run(
        [str(venv / "bin" / "python"), "-c", "import bot; print(bot.__file__)"], tmp_path, env
    )
    assert where.strip().startswith(str(venv)), where  # the installed package, not the checkout

    site = tmp_path / "srv" / "dangjian"  # outside the checkout
    out = _run([dangjian, "init", str(site)], tmp_path, env)
    assert ".env" in out and "花名册模板.xlsx" in out
    with (site / ".env").open("a", encoding="utf-8") as handle:
        handle.write(f"DANGJIAN_WECHAT_TOKEN={TOKEN}\nDANGJIAN_WECHAT_APPID={APPID}\n")
    roster = site / "花名册模板.xlsx"
    wb = load_workbook(roster)
    wb["花名册"].append(["赵敏", "13900000001", "机关党支部", "综合党小组", "党员", "员工", None])
    wb["花名册"].append(
        ["钱进", "13900000002", "机关党支部", "综合党小组", "支部书记", "员工", None]
    )
    wb.save(roster)

    run_env = _clean_env()  # the data folder is the working directory (DANGJIAN_HOME unset)
    out = _run([dangjian, "migrate"], site, run_env)
    assert str(site / "var" / "dangjian.db") in out
    out = _run([dangjian, "import-members", roster.name], site, run_env)
    assert "新增 added 2" in out
    out = _run([dangjian, "check-content"], site, run_env)
    assert "内容检查通过" in out

    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [dangjian, "serve", "--port", str(port), "--workers", "1"],
        cwd=site,
        env=run_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline:
            try:
                health = requests.get(url + "/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text("utf-8")
                time.sleep(0.3)
        assert health is not None and health.status_code == 200, health and health.text
        content = health.json()["content"]
        assert content["policies"] > 40 and content["questions"] > 100 and content["study"] > 30

        peer = WeChatPeer(http_transport(url), TOKEN, APPID)
        assert "绑定成功" in peer.send("o-zhaomin", "绑定 赵敏 13900000001").text
        answer = peer.send("o-zhaomin", "卷烟怎么订货").text
        assert answer.startswith("【卷烟怎么订货") and "出处" in answer
        quiz = peer.send("o-zhaomin", "答题").text
        assert "第1题" in quiz or "1/" in quiz, quiz
        reply = peer.send("o-zhaomin", "A").text
        assert "正确" in reply or "错误" in reply or "答案" in reply, reply
        checkin = peer.send("o-zhaomin", "打卡").text
        assert checkin.startswith("打卡成功"), checkin
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    logged = (tmp_path / "serve.log").read_text(encoding="utf-8", errors="replace")
    assert f"database {site / 'var' / 'dangjian.db'}" in logged  # the start-up line
    assert "Traceback" not in logged
