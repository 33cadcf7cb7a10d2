"""Official Account (公众号) pushes through wechatpy's WeChatClient.

wechatpy 1.8.18 builds API URLs from the class attribute `API_BASE_URL`
('https://api.weixin.qq.com/cgi-bin/') and fetches tokens from a hard-coded URL in
`fetch_access_token`. Here both come from DANGJIAN_WECHAT_API_BASE, so tests and the benchmark
point the whole client at a local fake. wechatpy's own retry on an expired token is switched off
(it recurses without limit if the token keeps being refused); bot.channels.push refreshes once.

Only the scheduler process sends pushes, so only it fetches access tokens.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from wechatpy import WeChatClient

from bot.channels.push import (
    Route,
    SendError,
    TimeoutSession,
    TokenGuard,
    clip,
    post_with_token,
    template_data,
    timeout_of,
)
from bot.config import Settings


class OfficialAccountClient(TokenGuard, WeChatClient):  # type: ignore[misc]
    def __init__(self, appid: str, secret: str, api_base: str, timeout: float) -> None:
        super().__init__(appid, secret, timeout=timeout, auto_retry=False)
        self.API_BASE_URL = api_base.rstrip("/") + "/cgi-bin/"
        self._http = TimeoutSession(timeout)
        self._guard = threading.Lock()

    def fetch_access_token(self) -> dict[str, Any]:
        return dict(
            self._fetch_access_token(
                url=self.API_BASE_URL + "token",
                params={
                    "grant_type": "client_credential",
                    "appid": self.appid,
                    "secret": self.secret,
                },
            )
        )


class WeChatPush:
    name = "wechat"

    def __init__(self, settings: Settings) -> None:
        self.client = OfficialAccountClient(
            settings.wechat_appid,
            settings.wechat_secret,
            settings.wechat_api_base,
            timeout_of(settings),
        )

    def send(self, route: Route, kind: str, text: str, now: datetime) -> None:
        if route.mode == "custom":
            data: dict[str, Any] = {
                "touser": route.target,
                "msgtype": "text",
                "text": {"content": clip(text)},
            }
            post_with_token(self.client, "message/custom/send", data)
        elif route.mode == "template" and route.template_id:
            data = {
                "touser": route.target,
                "template_id": route.template_id,
                "data": template_data(kind, text, now),
            }
            post_with_token(self.client, "message/template/send", data)
        else:
            raise SendError(
                "permanent", "route", f"cannot send {route.mode} on the Official Account"
            )
