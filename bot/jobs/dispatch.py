"""The outbox dispatcher: claims due rows, sends them, records what happened.

One batch at a time:
  1. `storage.outbox.claim_due` marks up to `batch` due rows `sending` and counts the attempt,
     in one committed transaction — before anything is sent;
  2. the rows are sent by a small thread pool, paced at DANGJIAN_PUSH_RATE sends per second per
     channel (0 = no limit);
  3. `storage.outbox.settle` records every outcome in one transaction: `sent`; `skipped` with a
     reason (window, quota, unbound, unsubscribed, inactive, quiet_hours, expired); `failed`
     with the error code for permanent errors or after the last attempt; or back to `pending`
     with an exponential backoff for transient ones (network, timeout, HTTP 5xx, errcode -1 /
     45009). An expired token (40001 / 42001 / 40014) is refreshed once, inside the send.

A send whose outcome is unknown (a timeout or a dropped connection after the request went out)
is never blindly repeated. A template message is retried only while the platform still drops a
repeated client_msg_id (10 minutes from the first unknown outcome); a WeCom app message is
retried within its duplicate_check_interval, which covers the whole retry window; a
customer-service message, which has no idempotency key, ends at once as `unknown` (it may have
arrived; `reason` keeps the error code) and shows as such in the delivery summary.

Exactly once, with one exception: if the process dies after a message went out but before step
3 committed, the row is still `sending`. The next runner puts such rows back to `pending`
(reason `interrupted`) and sends them again. The platform drops the repeat of a template
message (within 10 minutes) or of a WeCom message (within the duplicate check interval), but
not of a customer-service message: members whose customer-service message was caught — at most
one batch — may receive it twice. That is the only way a member can get a push twice: every
other path either has not sent yet, has recorded the send, or repeats it only where the
platform drops the duplicate. (Rows sent through the console channel are the same.)
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
from bot.channels.templates import TemplateConfigError, parse_templates
from bot.clock import day_of, parse_stamp, stamp
from bot.services import Services
from storage import outbox

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 30.0  # first retry after 30 s, then 60, 120, 240 ...
BACKOFF_CAP = 3600.0
TEMPLATE_DEDUPE = 600.0  # seconds the platform drops a repeated client_msg_id
DEDUPE_MARGIN = 60.0  # retry a template at the latest this long before the dedupe ends
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
        try:
            parse_templates(settings.wechat_templates)
        except TemplateConfigError as exc:
            raise ValueError(f"DANGJIAN_WECHAT_TEMPLATES: {exc}") from exc
        self.max_attempts = max(1, int(_extra(services, "push_max_attempts", MAX_ATTEMPTS)))
        self.backoff = _extra(services, "push_backoff", BACKOFF_SECONDS)
        self.channels = (
            channels
            if channels is not None
            else push.build_channels(settings, services.store, self.retry_window())
        )
        self.rate = settings.push_rate if rate is None else rate
        self.limiter = push.RateLimiter(self.rate)
        self.workers = workers or max(1, int(_extra(services, "push_workers", 4)))
        if batch is None:
            batch = 64 if self.rate <= 0 else max(self.workers, min(64, int(self.rate)))
        self.batch = batch
        self._quota: dict[tuple[str, str], int] = {}
        self._quota_lock = threading.Lock()
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

    def retry_window(self) -> float:
        """Seconds from the first attempt to the last: the sum of the backoff delays."""
        return sum(self.delay(attempt) for attempt in range(1, self.max_attempts))

    def delay(self, attempts: int) -> float:
        return min(BACKOFF_CAP, self.backoff * (2 ** (attempts - 1)))

    def run_batch(self, stats: DrainStats | None = None) -> int:
        store = self.services.store
        now = self.services.clock.now()
        rows = outbox.claim_due(store, stamp(now), self.batch)
        if not rows:
            return 0
        with self._quota_lock:
            self._quota.clear()  # the rows of earlier batches are settled: counted in the rows
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
        settings = self.services.settings
        window = self._window(row)
        choice = push.choose(settings, row, now, self._used(row, window))
        if isinstance(choice, push.Skip):
            return outbox.Settle(row_id, "skipped", reason=choice.reason, error=choice.reason)
        message = push.Message(
            row_id, kind, str(row["text"]), push.parts_for(row, outbox.parts_of(row))
        )
        return self._send(row, choice, message, now, window)

    def _send(
        self,
        row: dict[str, Any],
        choice: push.Route,
        message: push.Message,
        now: datetime,
        window: tuple[str, str] | None,
    ) -> outbox.Settle:
        row_id = message.id
        channel = self.channels.get(choice.channel)
        if channel is None:
            return outbox.Settle(
                row_id,
                "failed",
                reason="no_channel",
                error=f"channel {choice.channel} is not configured",
            )
        custom = window if choice.mode == "custom" else None
        if custom is not None:
            self._reserve(custom)
        if choice.channel != "console":
            self.limiter.acquire(choice.channel)
        try:
            channel.send(choice, message, now)
        except Exception as exc:
            err = push.classify(exc)
            if custom is not None and not err.unsure:
                self._release(custom)  # it did not go out: the member's quota is untouched
            if err.category in ("window", "quota"):
                reason = err.category
                if choice.mode == "custom":
                    fallback = push.template_route(self.services.settings, row, reason)
                    if isinstance(fallback, push.Route):
                        return self._send(row, fallback, message, now, None)
                return outbox.Settle(row_id, "skipped", choice.label, reason=reason, error=str(err))
            if err.category == "permanent":
                return outbox.Settle(
                    row_id, "failed", choice.label, reason=err.code, error=str(err)
                )
            if err.unsure:
                return self._unsure(row, now, err, choice, custom)
            return self._transient(row, now, err.code, str(err), choice.label)
        return outbox.Settle(row_id, "sent", choice.label, custom=custom)

    # -- the customer-service quota ---------------------------------------------------------
    def _window(self, row: dict[str, Any]) -> tuple[str, str] | None:
        """(openid, the member's last message) that counts customer-service messages."""
        openid, last = row.get("wechat_openid"), row.get("wechat_last_inbound_at")
        return (str(openid), str(last)) if openid and last else None

    def _used(self, row: dict[str, Any], window: tuple[str, str] | None) -> int:
        stored = push.custom_used(row)
        if window is None:
            return stored
        with self._quota_lock:
            return max(stored, self._quota.get(window, 0))

    def _reserve(self, window: tuple[str, str]) -> None:
        with self._quota_lock:
            self._quota[window] = self._quota.get(window, 0) + 1

    def _release(self, window: tuple[str, str]) -> None:
        with self._quota_lock:
            self._quota[window] = max(0, self._quota.get(window, 0) - 1)

    # -- retries ----------------------------------------------------------------------------
    def _unsure(
        self,
        row: dict[str, Any],
        now: datetime,
        err: push.SendError,
        choice: push.Route,
        custom: tuple[str, str] | None,
    ) -> outbox.Settle:
        """The request may have reached the platform. Repeat it only where the platform drops
        a duplicate, and only while it still does; otherwise the row ends as `unknown`."""
        row_id = int(row["id"])
        since = parse_stamp(str(row["unsure_since"])) if row.get("unsure_since") else now
        attempts = int(row["attempts"])
        if choice.mode == "template":
            dedupe_ends = since + timedelta(seconds=TEMPLATE_DEDUPE - DEDUPE_MARGIN)
        elif choice.channel == "wecom":
            dedupe_ends = since + timedelta(seconds=self.retry_window() + DEDUPE_MARGIN)
        else:
            dedupe_ends = since  # no idempotency key: never repeated
        retry_at = now + timedelta(seconds=self.delay(attempts))
        if retry_at > dedupe_ends and now + timedelta(seconds=5) <= dedupe_ends:
            retry_at = dedupe_ends  # come back sooner, while the platform still dedupes
        if attempts >= self.max_attempts or retry_at > dedupe_ends:
            return outbox.Settle(
                row_id,
                outbox.UNKNOWN,
                choice.label,
                reason=err.code,
                error=f"outcome unknown, not repeated ({err.code}): {err.message}"[:500],
                unsure_since=stamp(since),
                custom=custom,
            )
        return outbox.Settle(
            row_id,
            "pending",
            choice.label,
            reason=err.code,
            error=f"outcome unknown, retried within the platform's dedupe: {err}"[:500],
            next_attempt_at=stamp(retry_at),
            unsure_since=stamp(since),
        )

    def _transient(
        self, row: dict[str, Any], now: datetime, code: str, error: str, label: str | None = None
    ) -> outbox.Settle:
        attempts = int(row["attempts"])
        if attempts >= self.max_attempts:
            unsure = bool(row.get("unsure_since"))  # an earlier try may have arrived
            return outbox.Settle(
                int(row["id"]),
                outbox.UNKNOWN if unsure else "failed",
                label,
                reason=code,
                error=f"gave up after {attempts} attempts: {error}"[:500],
            )
        return outbox.Settle(
            int(row["id"]),
            "pending",
            label,
            reason=code,
            error=error[:500],
            next_attempt_at=stamp(now + timedelta(seconds=self.delay(attempts))),
        )
