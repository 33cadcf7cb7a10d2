"""`dangjian init`, and `serve` refusing to start with empty content."""

from __future__ import annotations

import stat
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from bot.cli import main
from bot.roster import COLUMNS
from bot.site import SITE_EDITABLE


def test_init_creates_the_data_folder(tmp_path: Path) -> None:
    home = tmp_path / "dangjian"
    result = CliRunner().invoke(main, ["init", str(home)], env={})
    assert result.exit_code == 0, result.output
    env = home / ".env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600  # it will hold secrets
    text = env.read_text(encoding="utf-8")
    assert "# DANGJIAN_WECHAT_TOKEN=" in text and "# DANGJIAN_WECHAT_TEMPLATES=" in text
    for name in SITE_EDITABLE:
        assert (home / "content" / name).is_file()
    assert (home / "content" / "dict" / "synonyms.tsv").read_text() == "variant\tcanonical\n"
    wb = load_workbook(home / "花名册模板.xlsx")
    sheet = wb["花名册"]
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert sheet.max_row == 1 or all(c.value is None for c in sheet[2])  # no example to import
    assert "填写说明" in wb.sheetnames
    # The empty template imports nothing and breaks nothing; the copies pass check-content.
    env_vars = {"DANGJIAN_HOME": str(home)}
    checked = CliRunner().invoke(main, ["check-content"], env=env_vars)
    assert checked.exit_code == 0, checked.output


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    home = tmp_path / "dangjian"
    home.mkdir()
    (home / ".env").write_text("DANGJIAN_WECHAT_TOKEN=mine\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(home)], env={})
    assert result.exit_code == 1
    assert str(home / ".env") in result.output and "nothing was written" in result.output
    assert (home / ".env").read_text() == "DANGJIAN_WECHAT_TOKEN=mine\n"
    assert sorted(p.name for p in home.iterdir()) == [".env"]


def test_init_defaults_to_dangjian_home(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init"], env={"DANGJIAN_HOME": str(tmp_path / "h")})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "h" / ".env").is_file()


def test_serve_refuses_to_start_without_content(tmp_path: Path) -> None:
    env = {
        "DANGJIAN_HOME": str(tmp_path),
        "DANGJIAN_SHIPPED_CONTENT": "0",  # as if the package came without its content
        "DANGJIAN_WECHAT_TOKEN": "t",
    }
    result = CliRunner().invoke(main, ["serve", "--port", "0"], env=env)
    assert result.exit_code == 1
    assert "拒绝启动" in result.output
    assert "政策库 policy entries" in result.output and "题库 questions" in result.output
    assert "学习内容 study items" in result.output
    assert "DANGJIAN_ALLOW_EMPTY=1" in result.output
