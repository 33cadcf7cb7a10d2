"""Official Account (公众号) pushes through wechatpy's WeChatClient.

wechatpy 1.8.18 builds API URLs from the class attribute `API_BASE_URL`
('https://api.weixin.qq.com/cgi-bin/'). Here it comes from DANGJIAN_WECHAT_API_BASE, so tests
and the benchmark point the whole client at a local fake. wechatpy's own retry on an expired
token is switched off (it recurses without limit if the token keeps being refused);
bot.channels.push refreshes once.

Access tokens come from `POST /cgi-bin/stable_token` (wechatpy 1.8.18 only knows the old
`GET /cgi-bin/token`, whose every call invalidates the previous token): in its normal mode the
platform hands out the token in force, so a restart never invalidates the running one. Only the
scheduler process sends pushes, so only it fetches tokens; `force_refresh` is used only when the
platform refuses the very token stable_token just returned.

Template messages follow the platform's current rules (bot/channels/templates.py) and carry
`client_msg_id` = the outbox row, so a retry after an unknown outcome is not delivered twice.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.channels import templates
from bot.channels.push import (
    Message,
    Route,
    SendError,
    TimeoutSession,
    TokenGuard,
    clip,
    parts_for,
    post_with_token,
    timeout_of,
)
from bot.config import Settings

DEDUPE_SECONDS = 600  # the platform drops a repeated client_msg_id for 10 minutes
DUPLICATE_ERRCODES = frozenset({45065})  # "clientmsgid exist": the first one was delivered


class OfficialAccountClient(TokenGuard, WeChatClient):  # type: ignore[misc]
    def __init__(self, appid: str, secret: str, api_base: str, timeout: float) -> None:
        super().__init__(appid, secret, timeout=timeout, auto_retry=False)
        self.API_BASE_URL = api_base.rstrip("/") + "/cgi-bin/"
        self._http = TimeoutSession(timeout)
        self._guard = threading.Lock()
        self.timeout = timeout

    def fetch_access_token(self, force_refresh: bool = False) -> dict[str, Any]:
        """POST /cgi-bin/stable_token (JSON), instead of wechatpy's GET /cgi-bin/token."""
        res = self._http.post(
            self.API_BASE_URL + "stable_token",
            json={
                "grant_type": "client_credential",
                "appid": self.appid,
                "secret": self.secret,
                "force_refresh": force_refresh,
            },
            timeout=self.timeout,
        )
        if res.status_code >= 400:
            raise WeChatClientException(None, None, client=self, request=res.request, response=res)
        result = res.json()
        if not isinstance(result, dict) or result.get("errcode"):
            code = result.get("errcode") if isinstance(result, dict) else None
            message = result.get("errmsg") if isinstance(result, dict) else "not JSON"
            raise WeChatClientException(
                code, message, client=self, request=res.request, response=res
            )
        expires_in = int(result.get("expires_in") or 7200)
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.expires_at = int(time.time()) + expires_in
        return dict(result)

    def refresh_token(self, stale: str) -> str:
        """The platform refused `stale`: ask stable_token again (normal mode hands out the
        token now in force); force a new one only if it hands back the refused token."""
        with self._guard:
            current = self.session.get(self._token_key())
            if current == stale or not current:
                self.fetch_access_token()
                if self.session.get(self._token_key()) == stale:
                    self.fetch_access_token(force_refresh=True)
            return str(self.session.get(self._token_key()))


class WeChatPush:
    name = "wechat"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.templates = templates.parse_templates(settings.wechat_templates)
        self.client = OfficialAccountClient(
            settings.wechat_appid,
            settings.wechat_secret,
            settings.wechat_api_base,
            timeout_of(settings),
        )

    def link(self, message: Message) -> str | None:
        """The page with the full text, behind a template message (needs DANGJIAN_PUBLIC_URL)."""
        base = self.settings.public_url.strip().rstrip("/")
        secret = templates.link_secret(self.settings)
        if not base or not secret:
            return None
        return f"{base}/m/{templates.sign(secret, message.id)}"

    def template_payload(self, route: Route, message: Message, now: datetime) -> dict[str, Any]:
        template = self.templates.get(message.kind)
        if template is None or template.id != route.template_id:
            raise SendError("permanent", "route", f"no template configured for {message.kind}")
        parts = message.parts or parts_for({"kind": message.kind, "text": message.text}, {})
        data: dict[str, Any] = {
            "touser": route.target,
            "template_id": template.id,
            "client_msg_id": f"outbox-{message.id}",
            "data": templates.template_data(template, parts, now, str(message.id)),
        }
        url = self.link(message)
        if url:
            data["url"] = url
        return data

    def send(self, route: Route, message: Message, now: datetime) -> None:
        if route.mode == "custom":
            data: dict[str, Any] = {
                "touser": route.target,
                "msgtype": "text",
                "text": {"content": clip(message.text)},
            }
            post_with_token(self.client, "message/custom/send", data)
        elif route.mode == "template" and route.template_id:
            data = self.template_payload(route, message, now)
            try:
                post_with_token(self.client, "message/template/send", data)
            except SendError as err:
                if err.code in {f"errcode:{c}" for c in DUPLICATE_ERRCODES}:
                    return  # the platform already has this client_msg_id: delivered once
                raise
        else:
            raise SendError(
                "permanent", "route", f"cannot send {route.mode} on the Official Account"
            )
