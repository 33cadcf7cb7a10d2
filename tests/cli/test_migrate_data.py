"""`dangjian migrate-data`: a SQLite deployment copied into a new database (PostgreSQL when
DANGJIAN_TEST_PG is set), row counts checked, ids continuing after the copied ones, and a
non-empty target refused."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from storage import broadcasts, open_store
from storage.copy import counts

OLD = Path(__file__).parents[1] / "storage" / "data" / "v0005.db"


def test_copy_a_sqlite_deployment(tmp_path: Path, new_db: Callable[..., str]) -> None:
    source = tmp_path / "dangjian.db"
    shutil.copy(OLD, source)  # a deployment made by the previous storage code
    target = new_db("target", empty=True)
    result = CliRunner().invoke(main, ["migrate-data", "--from", str(source), "--to", target])
    assert result.exit_code == 0, result.output
    assert "行数核对一致" in result.output and "secret" not in result.output

    src, dst = open_store(source), open_store(target)
    expected = counts(src)
    assert counts(dst) == expected
    assert expected["members"] == 20 and expected["inbound_log"] == 14
    for sql in (
        "SELECT key, response, received_at FROM inbound_log ORDER BY id",
        "SELECT * FROM meetings ORDER BY id",
        "SELECT * FROM kb_questions ORDER BY id",
        "SELECT * FROM quiz_attempts ORDER BY session_id, position",
    ):
        assert dst.query(sql) == src.query(sql)

    # New rows continue after the copied ids.
    last = int(dst.scalar("SELECT MAX(id) FROM broadcasts"))
    bid = broadcasts.create(dst, 1, None, None, "新通知", "2026-12-20T01:00:00+00:00", "t")
    assert bid == last + 1
    new_log = dst.scalar(
        "INSERT INTO inbound_log (key, channel, openid, msg_type, received_at)"
        " VALUES ('k-new', 'wechat', 'o-x', 'text', 't') RETURNING id"
    )
    assert new_log == 15

    # A second run finds data there and refuses.
    again = CliRunner().invoke(main, ["migrate-data", "--from", str(source), "--to", target])
    assert again.exit_code != 0
    assert "not empty" in again.output and "members (20)" in again.output
    assert counts(dst)["members"] == 20
    for s in (src, dst):
        s.close()


def test_refuses_before_copying_anything(tmp_path: Path, new_db: Callable[..., str]) -> None:
    source = tmp_path / "src.db"
    shutil.copy(OLD, source)
    target = new_db("busy")
    store = open_store(target)
    store.execute("INSERT INTO branches (name) VALUES ('已有支部')")
    result = CliRunner().invoke(main, ["migrate-data", "--from", str(source), "--to", target])
    assert result.exit_code != 0 and "branches (1)" in result.output
    assert store.scalar("SELECT COUNT(*) FROM members") == 0
    store.close()
