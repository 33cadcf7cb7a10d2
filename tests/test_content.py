"""The data folder's content over the shipped content, and bad content files: a GBK study file,
a malformed entry, dictionary or question bank is skipped with one log line and the service
starts with the rest; `dangjian check-content` lists every broken file and exits non-zero."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.clock import FixedClock
from bot.config import SHIPPED_CONTENT, SHIPPED_QUIZZES, load_settings
from bot.services import build_services
from tests import dbs
from tests.conftest import START

STUDY = """---
id: {id}
title: {title}
source: 《中国共产党章程》
---
{body}
"""


def _site(tmp_path: Path) -> Path:
    home = tmp_path / "site"
    (home / "content" / "study").mkdir(parents=True)
    (home / "content" / "policies").mkdir(parents=True)
    (home / "content" / "dict").mkdir(parents=True)
    (home / "quizzes").mkdir(parents=True)
    return home


def _settings(home: Path, **kw: object):  # type: ignore[no-untyped-def]
    return load_settings(env={"DANGJIAN_HOME": str(home)}, **kw)


def test_paths_resolve_in_the_data_folder_and_dotenv_is_read_there(tmp_path: Path) -> None:
    home = tmp_path / "data"
    home.mkdir()
    (home / ".env").write_text("DANGJIAN_DB=db/x.db\nDANGJIAN_QUIZ_SIZE=3\n", encoding="utf-8")
    settings = load_settings(env={"DANGJIAN_HOME": str(home)})
    assert settings.home == str(home.resolve())
    assert settings.db == str(home.resolve() / "db" / "x.db")
    assert settings.quiz_size == 3
    assert settings.content_dir == str(home.resolve() / "content")
    assert settings.content_layers() == [SHIPPED_CONTENT]  # no site content yet
    default = load_settings(env={"DANGJIAN_HOME": str(home / "other")}, dotenv=None)
    assert default.db == str((home / "other").resolve() / "var" / "dangjian.db")
    assert load_settings(env={}, dotenv=None, db="postgresql://u@h/db").db == "postgresql://u@h/db"


def test_site_content_overrides_and_extends_the_shipped_content(
    tmp_path: Path, clock: FixedClock
) -> None:
    home = _site(tmp_path)
    (home / "content" / "study" / "study-001.md").write_text(
        STUDY.format(id="study-001", title="本单位改写的第一课", body="本单位自己的学习内容。"),
        encoding="utf-8",
    )
    (home / "content" / "study" / "local-001.md").write_text(
        STUDY.format(id="local-001", title="本地新增", body="新增的学习内容。"), encoding="utf-8"
    )
    ordering = (SHIPPED_CONTENT / "policies" / "ordering.md").read_text(encoding="utf-8")
    (home / "content" / "policies" / "my-ordering.md").write_text(
        ordering.replace("\ntitle: ", "\ntitle: 本地：", 1), encoding="utf-8"
    )  # same id, another file name: the site's wins
    shutil.copy(SHIPPED_QUIZZES / "party-dues.yaml", home / "quizzes" / "local.yaml")
    services = build_services(_settings(home, db=dbs.db_for(tmp_path, "x.db")), clock=clock)
    shipped = len(list((SHIPPED_CONTENT / "study").glob("*.md")))
    assert len(services.study.items) == shipped + 1
    assert services.study.get("study-001").title == "本单位改写的第一课"
    assert services.knowledge.get("ordering").title.startswith("本地：")
    assert len(services.knowledge.entries) == len(list((SHIPPED_CONTENT / "policies").glob("*.md")))
    questions = {q.id: q.path for q in services.quizzes.questions}
    assert questions["dues-001"].endswith("local.yaml")  # a site's question with the same id
    services.store.close()


def _break_everything(home: Path) -> dict[str, Path]:
    files = {
        "study": home / "content" / "study" / "gbk.md",
        "policy": home / "content" / "policies" / "broken.md",
        "dict": home / "content" / "dict" / "userdict.txt",
        "synonyms": home / "content" / "dict" / "synonyms.tsv",
        "quiz": home / "quizzes" / "bad.yaml",
        "quiz_gbk": home / "quizzes" / "gbk.yaml",
    }
    files["study"].write_bytes(
        STUDY.format(id="gbk-001", title="党章学习", body="党员必须履行的义务。").encode("gbk")
    )
    files["policy"].write_text("---\nid: broken\ntitle: [unclosed\n---\n正文\n", encoding="utf-8")
    files["dict"].write_bytes("城关镇 20000 ns\n".encode("gbk"))
    files["synonyms"].write_text("variant\tcanonical\n烟证\n", encoding="utf-8")
    files["quiz"].write_text("set: 坏题库\nquestions:\n  - id: x\n    type: single\n", "utf-8")
    files["quiz_gbk"].write_bytes("set: 本地题库\nquestions: []\n".encode("gbk"))
    return files


def test_a_gbk_study_file_and_other_broken_files_do_not_stop_start_up(
    tmp_path: Path, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    home = _site(tmp_path)
    files = _break_everything(home)
    with caplog.at_level(logging.WARNING):
        services = build_services(_settings(home, db=dbs.db_for(tmp_path, "x.db")), clock=clock)
    shipped_study = len(list((SHIPPED_CONTENT / "study").glob("*.md")))
    assert len(services.study.items) == shipped_study  # the rest loaded
    assert services.knowledge.get("license-apply") is not None
    assert len(services.quizzes) > 100
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    for name, path in files.items():
        mentions = [line for line in lines if str(path) in line]
        assert len(mentions) == 1, (name, mentions)  # one line naming the file
    gbk = next(line for line in lines if str(files["study"]) in line)
    assert "skipped" in gbk and "not UTF-8" in gbk
    assert all("\n" not in line for line in lines)
    services.store.close()


def test_check_content_lists_every_broken_file_and_exits_non_zero(tmp_path: Path) -> None:
    home = _site(tmp_path)
    files = _break_everything(home)
    result = CliRunner().invoke(main, ["check-content"], env={"DANGJIAN_HOME": str(home)})
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    for path in files.values():
        assert str(path) in result.output, path
    assert f"{files['study']}:3: not UTF-8" in result.output  # path and line
    assert f"{files['synonyms']}:2:" in result.output
    assert "6 个文件 errors in 6 files" in result.output


def test_check_content_passes_on_the_shipped_content(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check-content"], env={"DANGJIAN_HOME": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert "内容检查通过 content OK" in result.output


def test_start_up_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from bot.services import log_loaded

    services = build_services(
        load_settings(env={}, dotenv=None, db=dbs.db_for(tmp_path, "x.db")), clock=FixedClock(START)
    )
    with caplog.at_level(logging.INFO):
        log_loaded(services, "serve")
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("serve:")]
    assert f"{len(services.knowledge.entries)} policy entries" in line
    assert f"{len(services.study.items)} study items" in line
    assert f"{len(services.quizzes)} questions, 0 members" in line
    assert f"database {services.store.describe()}" in line  # the file, or the URL sans password
    if services.store.is_sqlite:
        assert f"database {tmp_path / 'x.db'}" in line
    services.store.close()
