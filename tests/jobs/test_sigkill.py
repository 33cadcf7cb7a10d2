"""Kill the scheduler with SIGKILL in the middle of a notice to 2,000 members, restart it
(`scheduler --wait`: it takes over once the dead runner's lease expires), and check what the
fake API received: everyone got the notice, and only rows the crash caught
between send and mark (status `sending` at the kill) may have gone out twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import day_of, stamp
from bot.text import name_key
from storage import open_store, outbox
from storage.members import RosterRow, upsert_roster
from tests import dbs
from tests.fakes.wechat_api import FakeWeChatAPI

MEMBERS = 2000


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _start(env: dict[str, str], cwd: Path, log: Path, *args: str) -> subprocess.Popen[bytes]:
    dangjian = str(Path(sys.executable).parent / "dangjian")
    return subprocess.Popen(
        [dangjian, "scheduler", *args],
        env=env,
        cwd=cwd,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def test_sigkill_mid_broadcast_then_restart(tmp_path: Path, fake_api: FakeWeChatAPI) -> None:
    db = dbs.db_for(tmp_path, "kill.db")
    store = open_store(db)
    now = stamp(datetime.now(ZoneInfo("Asia/Shanghai")))  # the scheduler runs on the real clock
    roster = [
        RosterRow(f"党员{i:04d}", f"139{i:08d}", "测试党支部", None, "党员", "员工")
        for i in range(MEMBERS)
    ]
    upsert_roster(store, roster, now, name_key=name_key)
    ids = [r["id"] for r in store.query("SELECT id FROM members ORDER BY id")]
    with store.tx():
        store.executemany(
            "INSERT INTO bindings (channel, openid, member_id, bound_at)"
            " VALUES ('wechat', :openid, :mid, :now)",
            [{"openid": f"o-{mid}", "mid": mid, "now": now} for mid in ids],
        )
        store.executemany(
            "INSERT INTO followers (channel, openid, subscribed, first_seen_at, last_inbound_at)"
            " VALUES ('wechat', :openid, 1, :now, :now)",
            [{"openid": f"o-{mid}", "now": now} for mid in ids],
        )
    pushes = [
        outbox.Push(
            "broadcast:1",
            day_of(datetime.now(ZoneInfo("Asia/Shanghai"))),
            mid,
            "notice",
            "【通知】今晚7点开会",
        )
        for mid in ids
    ]
    assert outbox.enqueue(store, pushes, now) == MEMBERS

    env = {
        **os.environ,
        "DANGJIAN_DB": db,
        "DANGJIAN_WECHAT_APPID": fake_api.appid,
        "DANGJIAN_WECHAT_SECRET": fake_api.secret,
        "DANGJIAN_WECHAT_API_BASE": fake_api.url,
        "DANGJIAN_PUSH_RATE": "500",
        "DANGJIAN_PUSH_TIMEOUT": "5",
        "DANGJIAN_LEASE_TTL": "15",
    }
    log = tmp_path / "scheduler.log"
    first = _start(env, tmp_path, log)
    try:
        _wait(lambda: len(fake_api.received()) >= 400, 60, "the first runner to start sending")
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    sending_at_kill = outbox.counts(store).get("sending", 0)
    received_at_kill = len(fake_api.received())
    assert received_at_kill < MEMBERS, "the drain finished before the kill"

    second = _start(env, tmp_path, log, "--wait")  # a restart waits out the dead one's lease
    try:
        _wait(lambda: outbox.unfinished(store) == 0, 90, "the restarted runner to drain")
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0

    counts = fake_api.count_by_user("custom")
    assert set(counts) == {f"o-{mid}" for mid in ids}  # every member received it
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates <= sending_at_kill
    assert outbox.counts(store) == {"sent": MEMBERS}
    output = log.read_text(encoding="utf-8")
    assert "waiting for the job lease held by host" in output
    assert "took over the job lease" in output  # once the dead runner's lease expired
    if sending_at_kill:
        assert f"{sending_at_kill} pushes were interrupted between send and mark" in output
    print(
        f"\nkilled after {received_at_kill} sends with {sending_at_kill} rows in `sending`; "
        f"{duplicates} duplicates after the restart"
    )
    store.close()
