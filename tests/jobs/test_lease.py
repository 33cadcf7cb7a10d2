"""The runner lease: one runner at a time, a clear refusal, takeover after expiry or death."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.clock import FixedClock
from bot.jobs import schedule
from bot.jobs.runner import JobRunner, LeaseHeld
from bot.services import Services
from storage import lease

T0 = "2026-12-02T09:00:00+08:00"
T1 = "2026-12-02T09:01:00+08:00"
T2 = "2026-12-02T09:02:00+08:00"


def test_take_renew_release(services: Services) -> None:
    store = services.store
    a = lease.Claim("token-a", "host-a", 101)
    b = lease.Claim("token-b", "host-b", 202)
    assert lease.take(store, a, T0, T1).taken
    refused = lease.take(store, b, T0, T1)
    assert not refused.taken and refused.holder is not None
    assert (refused.holder["host"], refused.holder["pid"], refused.holder["since"]) == (
        "host-a",
        101,
        T0,
    )
    assert lease.renew(store, "token-a", T0, T2)
    assert not lease.take(store, b, T1, T2).taken  # renewed: still held at 09:01
    taken = lease.take(store, b, T2, "2026-12-02T09:03:00+08:00")  # expired at 09:02
    assert taken.taken and taken.took_over is not None and taken.took_over["host"] == "host-a"
    assert not lease.renew(store, "token-a", T2, T2)  # a's lease is gone
    assert not lease.release(store, "token-a")
    assert lease.release(store, "token-b")
    assert lease.holder(store) is None


def test_dead_holder_on_this_host_is_replaced_at_once(services: Services) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # a pid that no longer runs
    store = services.store
    assert lease.take(store, lease.Claim("dead", "host-x", proc.pid), T0, T2).taken
    alive = lambda pid: pid != proc.pid  # noqa: E731
    assert not lease.take(store, lease.Claim("other", "host-y", 1), T1, T2, alive=alive).taken
    assert lease.take(store, lease.Claim("me", "host-x", 2), T1, T2, alive=alive).taken


def test_second_runner_refuses_then_takes_over_after_expiry(
    services: Services, clock: FixedClock
) -> None:
    first = JobRunner(services)
    first.start()
    second = JobRunner(services)
    try:
        with pytest.raises(LeaseHeld) as refused:
            second.start()
        message = refused.value.format_message()
        assert (
            f"host {first.claim.host}, pid {first.claim.pid}, since 2026-12-02T09:00:00+08:00"
            in message
        )
        assert "另一个定时任务进程正在运行" in message
        assert second.scheduler is None and not second.active

        clock.advance(seconds=61)  # the first runner stopped renewing (hung, or its host is gone)
        second.start()
        assert second.active
        holder = lease.holder(services.store)
        assert holder is not None and holder["token"] == second.claim.token
        assert not first.renew_lease()  # the first one notices and pauses its jobs
        assert not first.active
        assert first.run_job(schedule.spec("study_push")) is None  # paused
    finally:
        second.shutdown()
        first.shutdown()
    assert lease.holder(services.store) is None


def test_scheduler_command_refuses_with_a_clear_message(
    services: Services, tmp_path: object
) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    store = services.store
    lease.take(store, lease.Claim("elsewhere", "other-host", 4242), T0, "2099-01-01T00:00:00+08:00")
    result = CliRunner().invoke(
        main,
        ["scheduler"],
        env={
            "DANGJIAN_DB": services.settings.db,
            "DANGJIAN_CONTENT_DIR": services.settings.content_dir,
        },
    )
    assert result.exit_code == 1
    assert (
        "Another job runner holds the lease: host other-host, pid 4242, since 2026-12-02T09:00:00+08:00"
        in result.output
    )
