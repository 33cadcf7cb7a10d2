"""The runner lease: one runner at a time, known by a random token (not host and pid), a
clear refusal, takeover only after expiry or release, and instants that compare right whatever
each process's DANGJIAN_TIMEZONE."""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import replace

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
    assert lease.take(store, a, T1, T2).taken  # ours already: renewed, `since` kept
    assert lease.holder(store)["since"] == T0  # type: ignore[index]
    assert lease.renew(store, "token-a", T0, T2)
    assert not lease.take(store, b, T1, T2).taken  # renewed: still held at 09:01
    taken = lease.take(store, b, T2, "2026-12-02T09:03:00+08:00")  # expired at 09:02
    assert taken.taken and taken.took_over is not None and taken.took_over["host"] == "host-a"
    assert not lease.renew(store, "token-a", T2, T2)  # a's lease is gone
    assert not lease.release(store, "token-a")
    assert lease.release(store, "token-b")
    assert lease.holder(store) is None
    assert lease.take(store, a, T2, "2026-12-02T09:03:00+08:00").taken  # released: free at once


def test_same_host_and_pid_is_not_the_same_runner(services: Services) -> None:
    """Two containers with one host name (and pid 1 each): the live holder keeps its lease."""
    store = services.store
    assert lease.take(store, lease.Claim("container-a", "worker", 1), T0, T2).taken
    refused = lease.take(store, lease.Claim("container-b", "worker", 1), T1, T2)
    assert not refused.taken and refused.holder is not None
    assert refused.holder["token"] == "container-a"


def test_two_schedulers_with_the_same_host_name(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket, "gethostname", lambda: "dangjian-scheduler")
    monkeypatch.setattr(os, "getpid", lambda: 1)  # as in two containers
    first = JobRunner(services)
    second = JobRunner(services)
    assert (first.claim.host, first.claim.pid) == (second.claim.host, second.claim.pid)
    assert first.claim.token != second.claim.token
    first.start()
    try:
        with pytest.raises(LeaseHeld):
            second.start()
        assert not second.active and first.active
        assert first.renew_lease()
    finally:
        first.shutdown()
    second.start()  # released on a clean shutdown: free at once
    second.shutdown()


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
        assert f"host {first.claim.host}, pid {first.claim.pid}, since 2026-12-02 09:00" in message
        assert "另一个定时任务进程正在运行" in message and "--wait" in message
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


def test_wait_takes_over_when_the_holder_releases(services: Services) -> None:
    first = JobRunner(services)
    first.start()
    second = JobRunner(services)
    started = threading.Event()

    def standby() -> None:
        second.start(wait=True, poll=0.05)
        started.set()

    t = threading.Thread(target=standby)
    t.start()
    try:
        assert not started.wait(0.3)  # still waiting: the first one holds the lease
        first.shutdown()
        assert started.wait(10)
        assert second.active
    finally:
        t.join(10)
        second.shutdown()


def test_lease_expiry_is_judged_the_same_in_every_time_zone(
    services: Services, clock: FixedClock
) -> None:
    """A runner configured for +06:00 holds the lease; one configured for Shanghai (+08:00)
    checks it 30 s later. Compared as local text, 07:01+06:00 would look older than
    09:00:30+08:00 and the live lease would be taken."""
    dhaka = FixedClock(clock.now(), tz="Asia/Dhaka")
    holder = JobRunner(replace(services, clock=dhaka))
    holder.start()
    try:
        clock.advance(seconds=30)
        dhaka.advance(seconds=30)
        other = JobRunner(services)
        with pytest.raises(LeaseHeld):
            other.start()
        clock.advance(seconds=31)  # now really expired (60 s TTL)
        other.start()
        assert other.active
        other.shutdown()
    finally:
        holder.shutdown()


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
        "Another job runner holds the lease: host other-host, pid 4242, since 2026-12-02 09:00"
        in result.output
    )
