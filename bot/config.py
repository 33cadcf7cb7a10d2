"""Settings from the environment (`DANGJIAN_*`) and an optional `.env` file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from dotenv import dotenv_values

PREFIX = "DANGJIAN_"
REAL_WECHAT_API = "https://api.weixin.qq.com"
REAL_WECOM_API = "https://qyapi.weixin.qq.com"
DEMO_TOKEN = "dangjian-demo-token"
ROOT = Path(__file__).resolve().parent.parent
# What ships inside the package (the wheel carries it as package data).
SHIPPED_CONTENT = Path(__file__).resolve().parent / "data" / "content"
SHIPPED_QUIZZES = Path(__file__).resolve().parent / "data" / "quizzes"


@dataclass(frozen=True)
class Settings:
    # Official Account (公众号)
    wechat_token: str = DEMO_TOKEN
    wechat_appid: str = ""
    wechat_secret: str = ""
    wechat_aes_key: str = ""  # absent = plain mode
    wechat_api_base: str = REAL_WECHAT_API
    # Template ids for pushes outside the 48 h window, by kind: "study=ID,notice=ID,..."
    wechat_templates: str = ""
    # WeCom (企业微信) self-built app
    wecom_corpid: str = ""
    wecom_agentid: str = ""
    wecom_secret: str = ""
    wecom_token: str = ""
    wecom_aes_key: str = ""
    wecom_api_base: str = REAL_WECOM_API
    # Storage and content
    db: str = str(ROOT / "var" / "dangjian.db")
    content_dir: str = str(SHIPPED_CONTENT)
    quiz_dir: str = str(SHIPPED_QUIZZES)
    timezone: str = "Asia/Shanghai"
    # Protocol limits
    max_body: int = 64 * 1024
    timestamp_tolerance: int = 300
    # Chat simulator at / (default: on when no Official Account credentials are set)
    simulator: str = "auto"
    # Quiz
    quiz_size: int = 5
    quiz_daily_cap: int = 6
    # 转人工 for 零售户 goes to this member (phone number) when set, else the branch secretary
    customer_manager: str = ""
    # Pushes
    push_rate: float = 20.0
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def wechat_configured(self) -> bool:
        return bool(self.wechat_appid and self.wechat_secret)

    @property
    def wecom_configured(self) -> bool:
        return bool(self.wecom_corpid and self.wecom_secret and self.wecom_agentid)

    @property
    def simulator_enabled(self) -> bool:
        if self.simulator == "auto":
            return not self.wechat_configured
        return self.simulator.lower() in ("1", "true", "yes", "on")

    def template_for(self, kind: str) -> str | None:
        for part in self.wechat_templates.split(","):
            name, _, value = part.partition("=")
            if name.strip() == kind and value.strip():
                return value.strip()
        return None


def load_settings(
    env: Mapping[str, str] | None = None, dotenv: str | Path | None = ".env", **overrides: object
) -> Settings:
    """Read settings: `.env` first, then the process environment, then explicit overrides."""
    source: dict[str, str] = {}
    if dotenv and Path(dotenv).is_file():
        source.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    source.update(os.environ if env is None else env)
    values: dict[str, object] = {}
    extra: dict[str, str] = {}
    known = {f.name: f for f in fields(Settings)}
    for key, raw in source.items():
        if not key.startswith(PREFIX):
            continue
        name = key[len(PREFIX) :].lower()
        f = known.get(name)
        if f is None or name == "extra":
            extra[name] = raw
            continue
        default = f.default
        try:
            if isinstance(default, bool):
                values[name] = raw.lower() in ("1", "true", "yes", "on")
            elif isinstance(default, int):
                values[name] = int(raw)
            elif isinstance(default, float):
                values[name] = float(raw)
            else:
                values[name] = raw
        except ValueError as exc:
            raise ValueError(f"{key}={raw!r}: {exc}") from exc
    values.update(overrides)
    values["extra"] = extra
    return Settings(**values)  # type: ignore[arg-type]
