"""Settings from the environment (`DANGJIAN_*`) and an optional `.env` file.

Everything a site keeps lives in one data folder, DANGJIAN_HOME (default: the working
directory): `.env`, `var/dangjian.db`, and optionally `content/` and `quizzes/`, which override
(same file name, same id) or extend the content shipped inside the package. Relative paths in
settings resolve against DANGJIAN_HOME, never against the installed package.
"""

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
# What ships inside the package (the wheel carries it as package data).
SHIPPED_CONTENT = Path(__file__).resolve().parent / "data" / "content"
SHIPPED_QUIZZES = Path(__file__).resolve().parent / "data" / "quizzes"


_DEFAULT = object()


class ConfigError(ValueError):
    """A configuration the service refuses to start with; the message says what to set."""


@dataclass(frozen=True)
class Settings:
    # The data folder (DANGJIAN_HOME); empty = the working directory when settings are made
    home: str = ""
    # Official Account (公众号). /wechat is mounted only when a token is set (demo mode: the
    # public demo token).
    wechat_token: str = ""
    wechat_appid: str = ""
    wechat_secret: str = ""
    wechat_aes_key: str = ""  # absent = plain mode
    # plain | compat | safe; empty: safe when an AES key is set, plain otherwise
    wechat_mode: str = ""
    wechat_api_base: str = REAL_WECHAT_API
    # Template messages per kind of push, with the field map of each template (see
    # bot/channels/templates.py): "notice=ID:thing1=title,time2=time;meeting=ID:..."; the old
    # form "study=ID,notice=ID" means keyword1=title, keyword2=time, keyword3=summary.
    wechat_templates: str = ""
    # Customer-service messages a member may get after each message of theirs (48 h window)
    wechat_custom_quota: int = 5
    # Public https address of this service (the link behind a template message shows the
    # full text at <public_url>/m/...); empty = template messages carry no link
    public_url: str = ""
    # WeCom (企业微信) self-built app
    wecom_corpid: str = ""
    wecom_agentid: str = ""
    wecom_secret: str = ""
    wecom_token: str = ""
    wecom_aes_key: str = ""
    wecom_api_base: str = REAL_WECOM_API
    # Storage and content (relative paths are inside `home`)
    db: str = "var/dangjian.db"
    content_dir: str = "content"  # the site's content: overrides or extends the shipped one
    quiz_dir: str = "quizzes"  # the site's question banks, likewise
    shipped_content: bool = True  # load the content shipped in the package under the site's
    allow_empty: bool = False  # let `serve` start with no policies, study items or questions
    timezone: str = "Asia/Shanghai"
    # What a read-only message leaves (its log row, its callback's timestamp and nonce, the
    # 48 h window's last message time) is written in batches every this many milliseconds;
    # 0 = each in a short transaction of its own (storage/deferred.py)
    log_batch_ms: int = 200
    # Protocol limits
    max_body: int = 64 * 1024
    timestamp_tolerance: int = 300
    # Chat simulator at / and /simulator/*: on only when asked for (`on`, or unset under
    # `dangjian run --demo`); it can speak for any member, so never on by default.
    simulator: str = ""
    # Quiz
    quiz_size: int = 5  # the quiz's points and their daily caps are in content/points.yaml
    # 转人工 for 零售户 goes to this member (phone number) when set, else the branch secretary
    customer_manager: str = ""
    # Pushes
    push_rate: float = 20.0
    # Demo mode (`dangjian run --demo`, never from the environment): the public demo token and
    # the simulator are allowed.
    demo: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        home = Path(self.home or os.getcwd()).expanduser().resolve()
        object.__setattr__(self, "home", str(home))
        object.__setattr__(self, "db", resolve_db(home, self.db))
        for name in ("content_dir", "quiz_dir"):
            object.__setattr__(self, name, str(home / Path(getattr(self, name)).expanduser()))

    def content_layers(self) -> list[Path]:
        """The content folders, lowest precedence first: the shipped one, then the site's."""
        return _layers(SHIPPED_CONTENT if self.shipped_content else None, Path(self.content_dir))

    def quiz_layers(self) -> list[Path]:
        return _layers(SHIPPED_QUIZZES if self.shipped_content else None, Path(self.quiz_dir))

    @property
    def wechat_configured(self) -> bool:
        return bool(self.wechat_appid and self.wechat_secret)

    @property
    def wecom_configured(self) -> bool:
        return bool(self.wecom_corpid and self.wecom_secret and self.wecom_agentid)

    @property
    def wechat_callback_configured(self) -> bool:
        """Whether /wechat is mounted: its own token is set (or demo mode's public one)."""
        return bool(self.wechat_token)

    @property
    def wecom_callback_configured(self) -> bool:
        """Whether /wecom is mounted: the app's own token, AES key and corp id are set."""
        return bool(self.wecom_token and self.wecom_aes_key and self.wecom_corpid)

    @property
    def channels(self) -> list[str]:
        """The callback URLs this configuration mounts."""
        return [
            name
            for name, on in (
                ("wechat", self.wechat_callback_configured),
                ("wecom", self.wecom_callback_configured),
            )
            if on
        ]

    @property
    def wechat_security(self) -> str:
        """plain, compat or safe (see DANGJIAN_WECHAT_MODE)."""
        mode = self.wechat_mode.strip().lower()
        if mode:
            return mode
        return "safe" if self.wechat_aes_key else "plain"

    @property
    def simulator_enabled(self) -> bool:
        """On only when explicitly asked for; `auto` (the old default) means off outside demo
        mode. The simulator signs with the /wechat token, so it needs that channel."""
        value = self.simulator.strip().lower()
        if value in ("1", "true", "yes", "on"):
            wanted = True
        elif value in ("", "auto"):
            wanted = self.demo
        else:
            wanted = False
        return wanted and self.wechat_callback_configured

    @property
    def real_credentials(self) -> list[str]:
        """Settings that belong to a real platform account (for the simulator warning)."""
        found = [
            name
            for name in (
                "wechat_secret",
                "wechat_aes_key",
                "wecom_secret",
                "wecom_token",
                "wecom_aes_key",
            )
            if getattr(self, name)
        ]
        if self.wechat_token and self.wechat_token != DEMO_TOKEN:
            found.insert(0, "wechat_token")
        return [PREFIX + name.upper() for name in found]

    def problems(self) -> list[str]:
        """What is wrong with this configuration, in words an operator can act on."""
        out = []
        if self.wechat_security not in ("plain", "compat", "safe"):
            out.append(
                f"DANGJIAN_WECHAT_MODE={self.wechat_mode!r}：应为 plain、compat 或 safe。"
                " must be plain, compat or safe."
            )
        elif self.wechat_security != "plain" and not self.wechat_aes_key:
            out.append(
                f"DANGJIAN_WECHAT_MODE={self.wechat_security} 需要 DANGJIAN_WECHAT_AES_KEY"
                "（公众号的 EncodingAESKey）。needs DANGJIAN_WECHAT_AES_KEY."
            )
        if self.wechat_token == DEMO_TOKEN and not self.demo:
            out.append(
                "DANGJIAN_WECHAT_TOKEN 不能用公开的演示 Token，请填公众号后台“服务器配置”里的"
                " Token。The public demo token is only allowed with `dangjian run --demo`."
            )
        if not self.channels:
            out.append(
                "没有配置任何回调渠道。请设置 DANGJIAN_WECHAT_TOKEN（公众号服务器配置的 Token），"
                "或 DANGJIAN_WECOM_CORPID + DANGJIAN_WECOM_TOKEN + DANGJIAN_WECOM_AES_KEY"
                "（企业微信应用的接收消息设置）；只想试用请运行 `dangjian run --demo`。"
                " No channel configured: set DANGJIAN_WECHAT_TOKEN, or DANGJIAN_WECOM_CORPID,"
                " DANGJIAN_WECOM_TOKEN and DANGJIAN_WECOM_AES_KEY; or try `dangjian run --demo`."
            )
        return out

    def template_for(self, kind: str) -> str | None:
        """The template id configured for a kind of push (None: no template)."""
        from bot.channels.templates import parse_templates

        template = parse_templates(self.wechat_templates).get(kind)
        return template.id if template else None


def resolve_db(home: Path, db: str) -> str:
    """A database file path inside `home` (URLs such as postgresql://… stay as they are)."""
    if db == ":memory:" or "://" in db:
        return db
    return str(home / Path(db).expanduser())


def _layers(shipped: Path | None, site: Path) -> list[Path]:
    layers = [shipped] if shipped is not None else []
    if site.is_dir() and all(site.resolve() != p.resolve() for p in layers):
        layers.append(site)
    return layers


def home_from(env: Mapping[str, str]) -> Path:
    return Path(env.get(PREFIX + "HOME") or os.getcwd()).expanduser().resolve()


def load_settings(
    env: Mapping[str, str] | None = None,
    dotenv: str | Path | None | object = _DEFAULT,
    **overrides: object,
) -> Settings:
    """Read settings: `.env` first (by default the one in DANGJIAN_HOME), then the process
    environment, then explicit overrides."""
    environ = os.environ if env is None else env
    if dotenv is _DEFAULT:
        home = Path(str(overrides["home"])) if overrides.get("home") else home_from(environ)
        dotenv = home / ".env"
    source: dict[str, str] = {}
    if isinstance(dotenv, str | Path) and Path(dotenv).is_file():
        source.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    source.update(environ)
    values: dict[str, object] = {}
    extra: dict[str, str] = {}
    known = {f.name: f for f in fields(Settings)}
    for key, raw in source.items():
        if not key.startswith(PREFIX):
            continue
        name = key[len(PREFIX) :].lower()
        f = known.get(name)
        if f is None or name in ("extra", "demo"):  # demo mode only from `run --demo`
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
    if values.get("demo") and not values.get("wechat_token"):
        values["wechat_token"] = DEMO_TOKEN  # the demo token exists only in demo mode
    return Settings(**values)  # type: ignore[arg-type]
