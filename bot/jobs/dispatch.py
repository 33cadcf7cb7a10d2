"""The outbox dispatcher: claims due rows, sends them, records what happened.

One batch at a time:
  1. `storage.outbox.claim_due` marks up to `batch` due rows `sending` and counts the attempt,
     in one committed transaction — before anything is sent;
  2. the rows are sent by a small thread pool, paced at DANGJIAN_PUSH_RATE sends per second per
     channel (0 = no limit);
  3. `storage.outbox.settle` records every outcome in one transaction: `sent`; `skipped` with a
     reason (window, unbound, unsubscribed, inactive, quiet_hours, expired); `failed` with the
     error code for permanent errors or after the last attempt; or back to `pending` with an
     exponential backoff for transient ones (network, timeout, HTTP 5xx, errcode -1 / 45009 /
     45047). An expired token (40001 / 42001 / 40014) is refreshed once, inside the send.

Exactly once, with one exception: if the process dies after a message went out but before step
3 committed, the row is still `sending`. The next runner puts such rows back to `pending`
(reason `interrupted`) and sends them again, so those members — at most one batch — may receive
that push twice. That is the only way a member can get a push twice: every other path either
has not sent yet or has recorded the send. (Rows sent through the console channel are the same.)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.channels import push
from bot.clock import day_of, stamp
from bot.services import Services
from storage import outbox

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 30.0  # first retry after 30 s, then 60, 120, 240 ...
BACKOFF_CAP = 3600.0
QUIET_START = "22:00"
QUIET_END = "07:30"
EXPIRE_NEXT_DAY = frozenset({"study", "reminder"})  # stale the day after their period


def in_quiet_hours(now: datetime, start: str = QUIET_START, end: str = QUIET_END) -> bool:
    """True between 22:00 and 07:30 (both configurable), local time."""
    hm = now.strftime("%H:%M")
    if start <= end:
        return start <= hm < end
    return hm >= start or hm < end


def _extra(services: Services, name: str, default: float) -> float:
    try:
        return float(services.settings.extra.get(name, default))
    except (TypeError, ValueError):
        log.warning("ignoring bad DANGJIAN_%s", name.upper())
        return default


@dataclass
class DrainStats:
    claimed: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    def add(self, status: str) -> None:
        self.by_status[status] = self.by_status.get(status, 0) + 1


class Dispatcher:
    def __init__(
        self,
        services: Services,
        channels: dict[str, push.Channel] | None = None,
        rate: float | None = None,
        workers: int | None = None,
        batch: int | None = None,
    ) -> None:
        self.services = services
        settings = services.settings
        self.channels = (
            channels if channels is not None else push.build_channels(settings, services.store)
        )
        self.rate = settings.push_rate if rate is None else rate
        self.limiter = push.RateLimiter(self.rate)
        self.workers = workers or max(1, int(_extra(services, "push_workers", 4)))
        if batch is None:
            batch = 64 if self.rate <= 0 else max(self.workers, min(64, int(self.rate)))
        self.batch = batch
        self.max_attempts = max(1, int(_extra(services, "push_max_attempts", MAX_ATTEMPTS)))
        self.backoff = _extra(services, "push_backoff", BACKOFF_SECONDS)
        self.quiet = (
            str(settings.extra.get("quiet_start", QUIET_START)),
            str(settings.extra.get("quiet_end", QUIET_END)),
        )
        self._pool: ThreadPoolExecutor | None = None
        self._running = threading.Lock()

    # -- the loop ---------------------------------------------------------------------------
    def drain(self, should_stop: Callable[[], bool] = lambda: False) -> DrainStats:
        """Send batches until nothing is due (or `should_stop`). A second concurrent call
        returns at once: one drain at a time."""
        stats = DrainStats()
        if not self._running.acquire(blocking=False):
            return stats
        try:
            while not should_stop():
                if not self.run_batch(stats):
                    break
        finally:
            self._running.release()
        return stats

    def run_batch(self, stats: DrainStats | None = None) -> int:
        store = self.services.store
        now = self.services.clock.now()
        rows = outbox.claim_due(store, stamp(now), self.batch)
        if not rows:
            return 0
        if self.workers > 1 and len(rows) > 1:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="push")
            results = list(self._pool.map(lambda r: self._safe_deliver(r, now), rows))
        else:
            results = [self._safe_deliver(r, now) for r in rows]
        outbox.settle(store, results, stamp(self.services.clock.now()))
        if stats is not None:
            stats.claimed += len(rows)
            for r in results:
                stats.add(r.status)
        return len(rows)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    # -- one row ----------------------------------------------------------------------------
    def _safe_deliver(self, row: dict[str, Any], now: datetime) -> outbox.Settle:
        try:
            return self.deliver(row, now)
        except Exception as exc:  # a bug must not leave the row in `sending`
            log.exception("push %s failed unexpectedly", row.get("key"))
            return self._transient(row, now, "error", f"{type(exc).__name__}: {exc}")

    def deliver(self, row: dict[str, Any], now: datetime) -> outbox.Settle:
        row_id = int(row["id"])
        kind = str(row["kind"])
        if kind in EXPIRE_NEXT_DAY and str(row["period"]) < day_of(now):
            return outbox.Settle(row_id, "skipped", reason="expired", error="the day has passed")
        if kind == "reminder" and in_quiet_hours(now, *self.quiet):
            return outbox.Settle(
                row_id, "skipped", reason="quiet_hours", error="no reminders 22:00-07:30"
            )
        choice = push.choose(self.services.settings, row, now)
        if isinstance(choice, push.Skip):
            return outbox.Settle(row_id, "skipped", reason=choice.reason, error=choice.reason)
        channel = self.channels.get(choice.channel)
        if channel is None:
            return outbox.Settle(
                row_id,
                "failed",
                reason="no_channel",
                error=f"channel {choice.channel} is not configured",
            )
        if choice.channel != "console":
            self.limiter.acquire(choice.channel)
        try:
            channel.send(choice, kind, str(row["text"]), now)
        except Exception as exc:
            err = push.classify(exc)
            if err.category == "window":
                return outbox.Settle(
                    row_id, "skipped", choice.label, reason="window", error=str(err)
                )
            if err.category == "permanent":
                return outbox.Settle(
                    row_id, "failed", choice.label, reason=err.code, error=str(err)
                )
            return self._transient(row, now, err.code, str(err), choice.label)
        return outbox.Settle(row_id, "sent", choice.label)

    def _transient(
        self, row: dict[str, Any], now: datetime, code: str, error: str, label: str | None = None
    ) -> outbox.Settle:
        attempts = int(row["attempts"])
        if attempts >= self.max_attempts:
            return outbox.Settle(
                int(row["id"]),
                "failed",
                label,
                reason=code,
                error=f"gave up after {attempts} attempts: {error}"[:500],
            )
        delay = min(BACKOFF_CAP, self.backoff * (2 ** (attempts - 1)))
        return outbox.Settle(
            int(row["id"]),
            "pending",
            label,
            reason=code,
            error=error[:500],
            next_attempt_at=stamp(now + timedelta(seconds=delay)),
        )
