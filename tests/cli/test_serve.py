"""`dangjian serve` and `dangjian run` refuse a configuration that would expose something, and
say what to set, before anything listens."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import DEMO_TOKEN
from tests import dbs


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """No DANGJIAN_* variable from the machine and no .env file."""
    import os

    for key in list(os.environ):
        if key.startswith("DANGJIAN_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return {"DANGJIAN_DB": dbs.db_for(tmp_path, "serve.db")}


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize("command", [["serve"], ["run"]])
def test_no_channel_configured_refuses_to_start_and_says_what_to_set(
    clean_env: dict[str, str], command: list[str]
) -> None:
    code, out = invoke(clean_env, *command, "--port", "1")
    assert code == 1
    assert "没有配置任何回调渠道" in out
    assert "DANGJIAN_WECHAT_TOKEN" in out and "DANGJIAN_WECOM_TOKEN" in out
    assert "dangjian run --demo" in out


def test_the_public_demo_token_is_refused_by_serve(clean_env: dict[str, str]) -> None:
    code, out = invoke({**clean_env, "DANGJIAN_WECHAT_TOKEN": DEMO_TOKEN}, "serve", "--port", "1")
    assert code == 1 and "演示 Token" in out


def test_safe_mode_without_an_aes_key_is_refused(clean_env: dict[str, str]) -> None:
    env = {**clean_env, "DANGJIAN_WECHAT_TOKEN": "t", "DANGJIAN_WECHAT_MODE": "safe"}
    code, out = invoke(env, "serve", "--port", "1")
    assert code == 1 and "DANGJIAN_WECHAT_AES_KEY" in out
    code, out = invoke({**env, "DANGJIAN_WECHAT_MODE": "secure"}, "serve", "--port", "1")
    assert code == 1 and "plain、compat 或 safe" in out
