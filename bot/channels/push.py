"""Pushes: which channel reaches a member, and the errors a send can end in.

Channel choice, per member and per push (`choose`):
  1. WeCom (企业微信) app message — when WeCom is configured and the member has a WeCom userid in
     the roster. WeCom apps may message members at any time.
  2. Official Account (公众号) — when it is configured and the member has bound an account:
     a customer-service message if the member wrote to us within the last 48 hours
     (followers.last_inbound_at) and fewer than DANGJIAN_WECHAT_CUSTOM_QUOTA (default 5) of them
     went to the member since that message; else a template message if one is configured for
     this kind of push (DANGJIAN_WECHAT_TEMPLATES, see bot/channels/templates.py); else skipped:
     `window` (outside the 48 h) or `quota` (the member's quota is used up). An account that
     unsubscribed is skipped: `unsubscribed`.
  3. The console channel — when no platform credentials are set at all: the push lands in the
     chat simulator's inbox (the member's bound openid, or the simulator's sim-member-<id>).
  Anyone else is skipped: `unbound`.

Send errors (`SendError.category`):
  transient  network errors, timeouts, HTTP 5xx, errcode -1 (busy), 45009 (rate limit):
             retried with exponential backoff up to a maximum number of attempts — except a
             send whose outcome is unknown (`SendError.unsure`: a timeout or a dropped
             connection after the request went out). Such a send is repeated only where the
             platform drops a duplicate: template messages carry client_msg_id (the outbox row;
             deduped for 10 minutes), WeCom app messages go out with enable_duplicate_check.
             A customer-service message has no such key: it ends as `failed` / `unknown`.
  token      40001 / 42001 / 40014: the access token is refreshed once and the send retried.
  window     45015 (outside the 48 h window after all): the template if configured, else
             skipped with reason `window`.
  quota      45047 (the member's customer-service quota is used up after all): the template if
             configured, else skipped with reason `quota`.
  permanent  everything else, e.g. 43004 (unsubscribed), 40003 (invalid openid), 47003 (a
             template value the platform refused), 60111 / 81013 (invalid WeCom user), 60020
             (the server's IP is not trusted by WeCom): failed at once with the code as the
             reason.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import requests

from bot.clock import parse_stamp
from bot.config import Settings

WINDOW = timedelta(hours=48)
TRANSIENT_ERRCODES = frozenset({-1, 45009})
TOKEN_ERRCODES = frozenset({40001, 42001, 40014})
WINDOW_ERRCODES = frozenset({45015})
QUOTA_ERRCODES = frozenset({45047})
WECOM_UNTRUSTED_IP = 60020
TEXT_LIMIT = 600  # characters in one text message
KIND_TITLES = {
    "study": "今日学习",
    "reminder": "学习提醒",
    "notice": "支部通知",
    "meeting": "会议通知",
    "summary": "通知送达情况",
    "reply": "问题答复",
}


@dataclass(frozen=True)
class Route:
    channel: str  # wecom | wechat | console
    target: str  # WeCom userid or openid
    mode: str  # app | custom | template | console
    template_id: str | None = None

    @property
    def label(self) -> str:
        return self.channel if self.channel == self.mode else f"{self.channel}:{self.mode}"


@dataclass(frozen=True)
class Skip:
    reason: str  # window | quota | unbound | unsubscribed | inactive


@dataclass(frozen=True)
class Message:
    """One outbox row as a channel sends it."""

    id: int  # the outbox row: client_msg_id of a template message
    kind: str
    text: str
    parts: dict[str, str] = field(default_factory=dict)


class SendError(Exception):
    def __init__(self, category: str, code: str, message: str, unsure: bool = False) -> None:
        super().__init__(f"{code}: {message}")
        self.category = category  # transient | token | window | quota | permanent
        self.code = code  # e.g. 'errcode:45009', 'http:502', 'network', 'timeout'
        self.message = message
        self.unsure = unsure  # the request may have reached the platform: outcome unknown


class Channel(Protocol):
    name: str

    def send(self, route: Route, message: Message, now: datetime) -> None:
        """Deliver one message or raise SendError."""


def platform_configured(settings: Settings) -> bool:
    return settings.wechat_configured or settings.wecom_configured


def sim_openid(member_id: int) -> str:
    return f"sim-member-{member_id}"


def custom_used(row: dict[str, Any]) -> int:
    """Customer-service messages counted for the member since their last message."""
    window = row.get("wechat_last_inbound_at")
    if window and row.get("custom_window") == window:
        return int(row.get("custom_sent") or 0)
    return 0


def choose(
    settings: Settings, row: dict[str, Any], now: datetime, used: int | None = None
) -> Route | Skip:
    """Pick the channel for one outbox row (as returned by storage.outbox.claim_due). `used`:
    customer-service messages already sent to the member since their last message (default:
    the count stored with the row)."""
    if row.get("member_active") is not None and not row.get("member_active"):
        return Skip("inactive")
    userid = row.get("wecom_userid")
    if settings.wecom_configured and userid:
        return Route("wecom", str(userid), "app")
    openid = row.get("wechat_openid")
    if settings.wechat_configured:
        if not openid:
            return Skip("unbound")
        if row.get("wechat_subscribed") is not None and not row.get("wechat_subscribed"):
            return Skip("unsubscribed")
        last = row.get("wechat_last_inbound_at")
        reason = "window"
        if last and parse_stamp(str(last)) > now - WINDOW:
            count = custom_used(row) if used is None else used
            if count < settings.wechat_custom_quota:
                return Route("wechat", str(openid), "custom")
            reason = "quota"
        return template_route(settings, row, reason)
    if not platform_configured(settings):
        return Route("console", str(openid or sim_openid(int(row["member_id"]))), "console")
    return Skip("unbound")


def template_route(settings: Settings, row: dict[str, Any], reason: str) -> Route | Skip:
    """The kind's template message to the row's openid, or a Skip with `reason`."""
    template = settings.template_for(str(row.get("kind", "")))
    openid = row.get("wechat_openid")
    if template and openid:
        return Route("wechat", str(openid), "template", template)
    return Skip(reason)


def request_went_out(exc: BaseException) -> bool:
    """Whether a failed request may have reached the platform (its outcome is unknown): a read
    timeout or a connection dropped after sending. A refused or timed-out connect, or a name
    that did not resolve, never sent anything."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ReadTimeout | requests.exceptions.ChunkedEncodingError):
        return True
    if isinstance(exc, requests.ConnectionError):
        text = repr(exc.args[0]) if exc.args else repr(exc)
        return not re.search(
            r"NewConnectionError|ConnectTimeoutError|NameResolutionError|Failed to establish"
            r"|Connection refused|getaddrinfo",
            text,
        )
    return isinstance(exc, requests.Timeout)


def classify(exc: BaseException) -> SendError:
    """Turn whatever a send raised into a SendError with a category."""
    if isinstance(exc, SendError):
        return exc
    if isinstance(exc, requests.Timeout):
        return SendError("transient", "timeout", str(exc) or "timed out", request_went_out(exc))
    if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return SendError(
            "transient",
            "network",
            str(exc)[:200] or "connection error",
            request_went_out(exc),
        )
    if isinstance(exc, requests.RequestException):
        return SendError("transient", "network", str(exc)[:200])
    errcode = getattr(exc, "errcode", None)
    if errcode is None and hasattr(exc, "errmsg"):  # wechatpy: HTTP error status
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        if status is None:
            return SendError("transient", "network", "no response")
        if int(status) >= 500:
            return SendError("transient", f"http:{status}", f"HTTP {status}")
        return SendError("permanent", f"http:{status}", f"HTTP {status}")
    if errcode is not None:
        code = int(errcode)
        message = str(getattr(exc, "errmsg", "") or "")
        if code in TOKEN_ERRCODES:
            return SendError("token", f"errcode:{code}", message)
        if code in TRANSIENT_ERRCODES:
            return SendError("transient", f"errcode:{code}", message)
        if code in WINDOW_ERRCODES:
            return SendError("window", f"errcode:{code}", message)
        if code in QUOTA_ERRCODES:
            return SendError("quota", f"errcode:{code}", message)
        if code == WECOM_UNTRUSTED_IP:
            return SendError(
                "permanent",
                f"errcode:{code}",
                "企业微信拒绝了本服务器的IP：请在企业微信管理后台该应用的“企业可信IP”里添加服务器的"
                "出口IP。WeCom refuses this server's IP (60020): add it to the app's trusted IPs"
                f" in the WeCom console. ({message})",
            )
        return SendError("permanent", f"errcode:{code}", message)
    return SendError("transient", "error", f"{type(exc).__name__}: {exc}"[:200])


def check_result(result: Any) -> dict[str, Any]:
    """wechatpy returns the raw response when the body is not JSON: treat it as transient."""
    if not isinstance(result, dict):
        status = getattr(result, "status_code", "?")
        raise SendError("transient", "bad_response", f"not JSON (HTTP {status})")
    return result


class TimeoutSession(requests.Session):
    """A requests session with a default timeout (wechatpy fetches tokens without one)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, *args, **kwargs)


class TokenGuard:
    """Access-token handling shared by both wechatpy clients: one fetch at a time, and a refresh
    only when the token that failed is still the current one (another thread may have
    refreshed it already; every fetch invalidates the previous token)."""

    _guard: threading.Lock

    def _token_key(self) -> str:
        return str(self.access_token_key)  # type: ignore[attr-defined]

    def guarded_token(self) -> str:
        with self._guard:
            return str(self.access_token)  # type: ignore[attr-defined]

    def refresh_token(self, stale: str) -> str:
        with self._guard:
            current = self.session.get(self._token_key())  # type: ignore[attr-defined]
            if current == stale or not current:
                self.fetch_access_token()  # type: ignore[attr-defined]
            return str(self.session.get(self._token_key()))  # type: ignore[attr-defined]


def post_with_token(client: Any, endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
    """POST through a wechatpy client; on an invalid/expired token refresh it once and retry."""
    try:
        token = client.guarded_token()
    except Exception as exc:  # the token endpoint failed: retry the row later
        err = classify(exc)
        raise SendError("transient", f"token:{err.code}", err.message) from exc
    try:
        return check_result(client.post(endpoint, data=data, params={"access_token": token}))
    except Exception as exc:
        err = classify(exc)
        if err.category != "token":
            raise err from exc
    try:
        fresh = client.refresh_token(token)
        return check_result(client.post(endpoint, data=data, params={"access_token": fresh}))
    except Exception as exc:
        err = classify(exc)
        if err.category == "token":  # still refused after one refresh: retry later
            raise SendError("transient", err.code, "token refused after refresh") from exc
        raise err from exc


class RateLimiter:
    """Paces sends per channel: at most `rate` per second (no bursts); rate <= 0 = no limit."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def acquire(self, channel: str) -> None:
        if self.rate <= 0:
            return
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next.get(channel, now))
            self._next[channel] = at + 1.0 / self.rate
        if at > now:
            time.sleep(at - now)


def title_for(kind: str) -> str:
    return KIND_TITLES.get(kind, "消息提醒")


_HEADER = re.compile(r"^\s*【[^】]{1,20}】\s*")


def parts_for(row: dict[str, Any], stored: dict[str, str]) -> dict[str, str]:
    """The parts of a push that fill a template: what the producer stored, and for the rest
    title = the kind's title, summary = the text without its 【…】 header, time = when it was
    queued, branch = the member's 支部, place = ''."""
    text = str(row.get("text") or "")
    parts = {
        "title": title_for(str(row.get("kind") or "")),
        "summary": " ".join(_HEADER.sub("", text, count=1).split()),
        "time": str(row.get("created_at") or ""),
        "branch": str(row.get("branch") or ""),
        "place": "",
    }
    parts.update({k: v for k, v in stored.items() if v})
    return parts


def clip(text: str) -> str:
    """A text message's content: no lone surrogates, at most TEXT_LIMIT characters."""
    text = "".join(ch for ch in text if not 0xD800 <= ord(ch) <= 0xDFFF)
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


class ConsoleChannel:
    """No credentials: pushes land in the simulator's inbox (storage.console_inbox)."""

    name = "console"

    def __init__(self, store: Any) -> None:
        self.store = store

    def send(self, route: Route, message: Message, now: datetime) -> None:
        from bot.clock import stamp
        from storage import console_inbox

        console_inbox.deliver(self.store, "wechat", route.target, message.text, stamp(now))


def build_channels(settings: Settings, store: Any, retry_window: float = 0.0) -> dict[str, Channel]:
    """The channels this deployment can push through (`retry_window`: seconds from a row's
    first attempt to its last, which WeCom's duplicate check must cover)."""
    channels: dict[str, Channel] = {}
    if settings.wechat_configured:
        from bot.channels.wechat_push import WeChatPush

        channels["wechat"] = WeChatPush(settings)
    if settings.wecom_configured:
        from bot.channels.wecom_push import WeComPush

        channels["wecom"] = WeComPush(settings, retry_window)
    if not platform_configured(settings):
        channels["console"] = ConsoleChannel(store)
    return channels


def timeout_of(settings: Settings) -> float:
    try:
        return float(settings.extra.get("push_timeout", "10"))
    except ValueError:
        return 10.0
