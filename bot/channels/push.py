"""Pushes: which channel reaches a member, and the errors a send can end in.

Channel choice, per member and per push (`choose`):
  1. WeCom (企业微信) app message — when WeCom is configured and the member has a WeCom userid in
     the roster. WeCom apps may message members at any time.
  2. Official Account (公众号) — when it is configured and the member has bound an account:
     a customer-service message if the member wrote to us within the last 48 hours
     (followers.last_inbound_at), else a template message if a template id is set for this kind
     of push (DANGJIAN_WECHAT_TEMPLATES="study=ID,notice=ID,..."), else skipped: `window`.
     An account that unsubscribed is skipped: `unsubscribed`.
  3. The console channel — when no platform credentials are set at all: the push lands in the
     chat simulator's inbox (the member's bound openid, or the simulator's sim-member-<id>).
  Anyone else is skipped: `unbound`.

Send errors (`SendError.category`):
  transient  network errors, timeouts, HTTP 5xx, errcode -1 (busy), 45009 and 45047 (rate
             limits): retried with exponential backoff up to a maximum number of attempts.
  token      40001 / 42001 / 40014: the access token is refreshed once and the send retried.
  window     45015 (outside the 48 h window after all): skipped with reason `window`.
  permanent  everything else, e.g. 43004 (unsubscribed), 40003 (invalid openid), 60111 / 81013
             (invalid WeCom user): failed at once with the code as the reason.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import requests

from bot.config import Settings

WINDOW = timedelta(hours=48)
TRANSIENT_ERRCODES = frozenset({-1, 45009, 45047})
TOKEN_ERRCODES = frozenset({40001, 42001, 40014})
WINDOW_ERRCODES = frozenset({45015})
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
    reason: str  # window | unbound | unsubscribed | inactive


class SendError(Exception):
    def __init__(self, category: str, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.category = category  # transient | token | window | permanent
        self.code = code  # e.g. 'errcode:45009', 'http:502', 'network', 'timeout'
        self.message = message


class Channel(Protocol):
    name: str

    def send(self, route: Route, kind: str, text: str, now: datetime) -> None:
        """Deliver one message or raise SendError."""


def platform_configured(settings: Settings) -> bool:
    return settings.wechat_configured or settings.wecom_configured


def sim_openid(member_id: int) -> str:
    return f"sim-member-{member_id}"


def choose(settings: Settings, row: dict[str, Any], now: datetime) -> Route | Skip:
    """Pick the channel for one outbox row (as returned by storage.outbox.claim_due)."""
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
        if last and datetime.fromisoformat(str(last)) > now - WINDOW:
            return Route("wechat", str(openid), "custom")
        template = settings.template_for(str(row.get("kind", "")))
        if template:
            return Route("wechat", str(openid), "template", template)
        return Skip("window")
    if not platform_configured(settings):
        return Route("console", str(openid or sim_openid(int(row["member_id"]))), "console")
    return Skip("unbound")


def classify(exc: BaseException) -> SendError:
    """Turn whatever a send raised into a SendError with a category."""
    if isinstance(exc, SendError):
        return exc
    if isinstance(exc, requests.Timeout):
        return SendError("transient", "timeout", str(exc) or "timed out")
    if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return SendError("transient", "network", str(exc)[:200] or "connection error")
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


def template_data(kind: str, text: str, now: datetime) -> dict[str, Any]:
    """The template message fields: first (title), keyword1 (content), keyword2 (time), remark.
    Configure templates whose fields are named this way."""
    return {
        "first": {"value": title_for(kind)},
        "keyword1": {"value": text if len(text) <= 180 else text[:179] + "…"},
        "keyword2": {"value": now.strftime("%Y-%m-%d %H:%M")},
        "remark": {"value": "回复任意消息查看详情，发送「帮助」查看全部功能。"},
    }


def clip(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


class ConsoleChannel:
    """No credentials: pushes land in the simulator's inbox (storage.console_inbox)."""

    name = "console"

    def __init__(self, store: Any) -> None:
        self.store = store

    def send(self, route: Route, kind: str, text: str, now: datetime) -> None:
        from bot.clock import stamp
        from storage import console_inbox

        console_inbox.deliver(self.store, "wechat", route.target, text, stamp(now))


def build_channels(settings: Settings, store: Any) -> dict[str, Channel]:
    """The channels this deployment can push through."""
    channels: dict[str, Channel] = {}
    if settings.wechat_configured:
        from bot.channels.wechat_push import WeChatPush

        channels["wechat"] = WeChatPush(settings)
    if settings.wecom_configured:
        from bot.channels.wecom_push import WeComPush

        channels["wecom"] = WeComPush(settings)
    if not platform_configured(settings):
        channels["console"] = ConsoleChannel(store)
    return channels


def timeout_of(settings: Settings) -> float:
    try:
        return float(settings.extra.get("push_timeout", "10"))
    except ValueError:
        return 10.0
