"""WeCom (企业微信) app messages through wechatpy's enterprise WeChatClient.

The API base (URLs and the gettoken endpoint) comes from DANGJIAN_WECOM_API_BASE. A send that
WeCom accepts but reports the user as invalid (`invaliduser`) fails permanently; 60020 (the
server's IP is not among the app's trusted IPs) too, with a message saying where to add it.

Every message goes out with enable_duplicate_check=1 and a duplicate_check_interval covering
the dispatcher's retry window (at most 4 hours, WeCom's limit): when a send timed out after the
request went out, the retry is dropped by WeCom if the first one arrived.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from wechatpy.enterprise import WeChatClient

from bot.channels.push import (
    Message,
    Route,
    SendError,
    TimeoutSession,
    TokenGuard,
    clip,
    post_with_token,
    timeout_of,
)
from bot.config import Settings


class WeComClient(TokenGuard, WeChatClient):  # type: ignore[misc]
    def __init__(self, corp_id: str, secret: str, api_base: str, timeout: float) -> None:
        super().__init__(corp_id, secret, timeout=timeout, auto_retry=False)
        self.API_BASE_URL = api_base.rstrip("/") + "/cgi-bin/"
        self._http = TimeoutSession(timeout)
        self._guard = threading.Lock()

    def fetch_access_token(self) -> dict[str, Any]:
        return dict(
            self._fetch_access_token(
                url=self.API_BASE_URL + "gettoken",
                params={"corpid": self.corp_id, "corpsecret": self.secret},
            )
        )


MAX_DUPLICATE_CHECK = 4 * 3600  # WeCom's upper limit for duplicate_check_interval
MIN_DUPLICATE_CHECK = 1800  # WeCom's default


class WeComPush:
    name = "wecom"

    def __init__(self, settings: Settings, retry_window: float = 0.0) -> None:
        try:
            self.agent_id = int(settings.wecom_agentid)
        except ValueError as exc:
            raise ValueError(
                f"DANGJIAN_WECOM_AGENTID={settings.wecom_agentid!r} must be the app's numeric AgentId"
            ) from exc
        self.client = WeComClient(
            settings.wecom_corpid,
            settings.wecom_secret,
            settings.wecom_api_base,
            timeout_of(settings),
        )
        self.duplicate_check = duplicate_check_interval(retry_window)

    def send(self, route: Route, message: Message, now: datetime) -> None:
        data = {
            "touser": route.target,
            "msgtype": "text",
            "agentid": self.agent_id,
            "text": {"content": clip(message.text)},
            "safe": 0,
            "enable_duplicate_check": 1,
            "duplicate_check_interval": self.duplicate_check,
        }
        result = post_with_token(self.client, "message/send", data)
        invalid = str(result.get("invaliduser") or "")
        if invalid:
            raise SendError("permanent", "invaliduser", f"WeCom reports invalid user {invalid}")


def duplicate_check_interval(retry_window: float) -> int:
    """Seconds WeCom should drop a repeated message: the retry window plus a margin, within
    WeCom's limits (default 1800 s, at most 4 h)."""
    return int(min(MAX_DUPLICATE_CHECK, max(MIN_DUPLICATE_CHECK, retry_window + 600)))
