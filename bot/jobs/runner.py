"""The job runner: APScheduler 3 (BackgroundScheduler) running the table in bot/jobs/schedule.py,
in exactly one process.

- The lease (storage/lease.py): `start()` takes the 'jobs' lease row or refuses with a message
  naming the holder (host, pid, since); `start(wait=True)` waits for it instead. The holder is
  known by a random token made at start (not host + pid, which two containers can share). The
  lease lasts DANGJIAN_LEASE_TTL seconds (default 60) and is renewed every third of that;
  another runner takes over only once it has expired or been released, so a runner restarted
  after a crash (kill -9) waits up to one TTL. A runner that finds its lease taken pauses its
  jobs until it can take the lease again.
- Every job has the organization's time zone, a real misfire_grace_time and coalesce=True; a
  run missed while the process was up (busy, suspended) runs once within the grace and is
  skipped (APScheduler logs it) after. Runs missed while no runner was up are found from the
  job_runs table at start: the latest one runs once if within the grace, the others are logged
  as skipped.
- Rows a killed runner left in `sending` go back to `pending` at start (see bot/jobs/dispatch.py).
- Never start a runner inside a gunicorn web worker: `dangjian serve` does not, `dangjian
  scheduler` and `dangjian run` do.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.clock import parse_stamp, show_stamp, stamp
from bot.jobs import schedule
from bot.jobs.dispatch import Dispatcher
from bot.services import Services
from storage import job_runs, lease, outbox

log = logging.getLogger(__name__)

LEASE_TTL = 60.0
RELOAD_CHECK = 5.0  # seconds between two looks at the content generation


class LeaseHeld(click.ClickException):
    """Another runner holds the lease."""

    def __init__(self, holder: dict[str, Any] | None, tz: tzinfo) -> None:
        h = holder or {}
        since, until = show_stamp(h.get("since"), tz), show_stamp(h.get("expires_at"), tz)
        super().__init__(
            f"另一个定时任务进程正在运行（主机 {h.get('host')}，进程 {h.get('pid')}，"
            f"自 {since} 起，租约到 {until}），本进程不再启动定时任务。"
            "（加 --wait 可等它的租约到期后接手。）\n"
            f"Another job runner holds the lease: host {h.get('host')}, pid {h.get('pid')}, "
            f"since {since} (expires {until}). Stop it first, or start with --wait to take "
            "over when its lease expires."
        )
        self.holder = holder


@dataclass
class JobContext:
    services: Services
    now: datetime
    dispatcher: Dispatcher | None = None
    should_stop: Callable[[], bool] = field(default=lambda: False)


class JobRunner:
    def __init__(self, services: Services, dispatcher: Dispatcher | None = None) -> None:
        self.services = services
        self.dispatcher = dispatcher
        self.claim = lease.Claim(uuid.uuid4().hex, socket.gethostname(), os.getpid())
        try:
            self.ttl = float(services.settings.extra.get("lease_ttl", LEASE_TTL))
        except ValueError:
            self.ttl = LEASE_TTL
        self.scheduler: BackgroundScheduler | None = None
        self.active = False
        self._stop = threading.Event()

    # -- the lease --------------------------------------------------------------------------
    def take_lease(self) -> lease.Outcome:
        now = self.services.clock.now()
        outcome = lease.take(
            self.services.store,
            self.claim,
            stamp(now),
            stamp(now + timedelta(seconds=self.ttl)),
        )
        if outcome.taken:
            self.active = True
            if outcome.took_over:
                h = outcome.took_over
                log.warning(
                    "took over the job lease from host %s pid %s (since %s, expires %s)",
                    h["host"],
                    h["pid"],
                    show_stamp(h["since"], self.services.clock.tz),
                    show_stamp(h["expires_at"], self.services.clock.tz),
                )
        return outcome

    def renew_lease(self) -> bool:
        now = self.services.clock.now()
        ok = lease.renew(
            self.services.store,
            self.claim.token,
            stamp(now),
            stamp(now + timedelta(seconds=self.ttl)),
        )
        if ok:
            return True
        if self.active:
            log.error("lost the job lease (another runner took it); pausing jobs")
        self.active = False
        if self.take_lease().taken:
            log.warning("took the job lease back; resuming jobs")
            return True
        return False

    # -- start and stop ---------------------------------------------------------------------
    def start(self, wait: bool = False, poll: float | None = None) -> None:
        """Take the lease and start the jobs. When another runner holds the lease: refuse
        (LeaseHeld), or with `wait` try again every `poll` seconds until it is free."""
        settings = self.services.settings
        try:
            schedule.validate(settings)
        except ValueError as exc:
            raise click.ClickException(f"定时任务设置有误 bad job setting: {exc}") from exc
        outcome = self.take_lease()
        if not outcome.taken and wait:
            h = outcome.holder or {}
            log.warning(
                "waiting for the job lease held by host %s pid %s (expires %s)",
                h.get("host"),
                h.get("pid"),
                show_stamp(h.get("expires_at"), self.services.clock.tz),
            )
            interval = poll if poll is not None else max(1.0, self.ttl / 3)
            while not outcome.taken and not self._stop.wait(interval):
                outcome = self.take_lease()
        if not outcome.taken:
            raise LeaseHeld(outcome.holder, self.services.clock.tz)
        store = self.services.store
        now = self.services.clock.now()
        interrupted = outbox.reset_interrupted(store, stamp(now))
        if interrupted:
            log.warning(
                "%d pushes were interrupted between send and mark by the previous runner; "
                "sending them again (these members may receive them twice)",
                interrupted,
            )
        if self.dispatcher is None:
            try:
                self.dispatcher = Dispatcher(self.services)
            except ValueError as exc:
                lease.release(store, self.claim.token)
                self.active = False
                raise click.ClickException(f"推送设置有误 bad push setting: {exc}") from exc
        tz = self.services.clock.tz
        quiet = logging.getLogger("apscheduler.executors.default")
        if quiet.level == logging.NOTSET and not log.isEnabledFor(logging.DEBUG):
            quiet.setLevel(logging.WARNING)  # keep misfire warnings, drop "Running job" every 3 s
        self.scheduler = BackgroundScheduler(
            timezone=tz,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )
        wall = datetime.now(tz)  # APScheduler runs on the real clock
        for job in schedule.JOBS:
            extra: dict[str, Any] = {"next_run_time": wall} if job.kind == "interval" else {}
            self.scheduler.add_job(
                self.run_job,
                args=[job],
                id=job.id,
                name=job.title,
                timezone=tz,
                misfire_grace_time=job.grace,
                coalesce=True,
                # the dispatcher drains under its own lock: a second instance returns at once
                max_instances=2 if job.id == "dispatch" else 1,
                **extra,
                **schedule.trigger_args(job, settings),
            )
        self.scheduler.add_job(
            self.renew_lease,
            "interval",
            seconds=max(1.0, self.ttl / 3),
            id="lease_renew",
            name="租约续期",
            timezone=tz,
            misfire_grace_time=int(self.ttl),
            coalesce=True,
        )
        if self.services.reloader is not None:  # `dangjian reload` / SIGHUP elsewhere
            self.scheduler.add_job(
                self.services.reloader.check,
                "interval",
                seconds=RELOAD_CHECK,
                id="content_reload",
                name="内容重新载入",
                timezone=tz,
                misfire_grace_time=int(RELOAD_CHECK * 2),
                coalesce=True,
            )
        for job, when in self.catch_up(now):
            self.scheduler.add_job(
                self.run_job,
                "date",
                run_date=wall,
                args=[job, when],
                id=f"catch_up:{job.id}",
                timezone=tz,
                misfire_grace_time=job.grace,
            )
        self.scheduler.start()
        log.info(
            "job runner started (host %s, pid %s): %s",
            self.claim.host,
            self.claim.pid,
            "; ".join(f"{t} {w}" for _, t, w in schedule.describe(settings)),
        )

    def request_stop(self) -> None:
        """Stop waiting for the lease (from a signal handler); then call shutdown()."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def shutdown(self) -> None:
        self._stop.set()
        if self.scheduler is not None:
            try:
                self.scheduler.shutdown(wait=True)
            except Exception:  # not running
                pass
            self.scheduler = None
        if self.dispatcher is not None:
            self.dispatcher.close()
        if self.active:
            lease.release(self.services.store, self.claim.token)
            self.active = False

    # -- running jobs -----------------------------------------------------------------------
    def should_stop(self) -> bool:
        return self._stop.is_set() or not self.active

    def run_job(self, job: schedule.JobSpec, scheduled_for: datetime | None = None) -> Any:
        if not self.active:
            log.info("job %s not run: this runner does not hold the lease", job.id)
            return None
        now = self.services.clock.now()
        ctx = JobContext(self.services, now, self.dispatcher, self.should_stop)
        try:
            result = job.run(ctx)
        except Exception:
            log.exception("job %s failed", job.id)
            return None
        if job.kind != "interval":
            tz = self.services.clock.tz
            note = (
                f"catch-up of {scheduled_for.astimezone(tz).isoformat(timespec='seconds')}"
                if scheduled_for
                else ""
            )
            job_runs.record(
                self.services.store, job.id, stamp(now), stamp(scheduled_for or now), note
            )
            log.info("job %s done: %s", job.id, result)
        return result

    def catch_up(self, now: datetime) -> list[tuple[schedule.JobSpec, datetime]]:
        """Daily and monthly runs missed while no runner was up: the latest runs once if within
        its grace; the rest are logged as skipped."""
        due: list[tuple[schedule.JobSpec, datetime]] = []
        store = self.services.store
        tz = self.services.clock.tz
        for job in schedule.JOBS:
            if job.kind == "interval":
                continue
            last = job_runs.last(store, job.id)
            if last is None:  # first start: nothing to catch up
                job_runs.record(store, job.id, stamp(now), None, "first start")
                continue
            args = schedule.trigger_args(job, self.services.settings)
            args.pop("trigger")
            trigger = CronTrigger(timezone=tz, **args)
            missed = missed_times(trigger, parse_stamp(last["ran_at"]), now)
            if not missed:
                continue
            latest = missed[-1]
            for skipped in missed[:-1]:
                log.warning("job %s: run of %s missed while stopped; skipped", job.id, skipped)
            if (now - latest).total_seconds() <= job.grace:
                log.warning(
                    "job %s: run of %s missed while stopped; running it now", job.id, latest
                )
                due.append((job, latest))
            else:
                log.warning(
                    "job %s: run of %s missed while stopped, older than the %ss grace; skipped",
                    job.id,
                    latest,
                    job.grace,
                )
                job_runs.record(store, job.id, stamp(now), stamp(latest), "missed; skipped")
        return due


def missed_times(
    trigger: CronTrigger, after: datetime, now: datetime, cap: int = 400
) -> list[datetime]:
    """Fire times of a cron trigger in (after, now]."""
    out: list[datetime] = []
    t = trigger.get_next_fire_time(None, after + timedelta(seconds=1))
    while t is not None and t <= now and len(out) < cap:
        out.append(t)
        t = trigger.get_next_fire_time(t, t + timedelta(seconds=1))
    return out
