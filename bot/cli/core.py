"""Core commands: serve, scheduler, run, migrate, migrate-data, demo, chat, check-content, init,
reload."""

from __future__ import annotations

import getpass
import os
import re
import signal
import sys
import threading
from pathlib import Path

import click

from bot.clock import SystemClock, stamp
from bot.config import DEMO_TOKEN, Settings, load_settings


def _checked_settings(demo: bool = False) -> Settings:
    """Settings for a server; a configuration that would expose something stops here with
    what to set (see SECURITY.md)."""
    settings = load_settings(demo=True) if demo else load_settings()
    problems = settings.problems()
    if problems:
        raise click.ClickException("\n".join(problems))
    return settings


def _services(demo: bool = False, settings: Settings | None = None, role: str = ""):  # type: ignore[no-untyped-def]
    from bot.services import build_services, log_loaded

    settings = settings or load_settings()
    services = build_services(settings)
    if demo:
        from bot.demo import load_demo
        from storage import members

        if not members.branches(services.store):
            counts = load_demo(services.store, stamp(services.clock.now()))
            click.echo(f"已载入演示组织 loaded demo organization: {counts['added']} members")
    if role:
        log_loaded(services, role)
    return services


def _refuse_empty(services) -> None:  # type: ignore[no-untyped-def]
    """`serve` does not start with an empty library unless DANGJIAN_ALLOW_EMPTY=1."""
    from bot import reload

    empty = reload.counts(services).empty()
    if empty and not services.settings.allow_empty:
        raise click.ClickException(
            "内容为空，拒绝启动：" + "、".join(empty) + " 为 0。"
            f"请检查安装和数据目录（{reload.describe_sources(services.settings)}），"
            "用 `dangjian check-content` 查看出错的文件；确需空内容启动请设置 "
            "DANGJIAN_ALLOW_EMPTY=1。\n"
            "Refusing to start with empty content: " + ", ".join(empty) + " = 0. "
            "Check the installation and the data folder, run `dangjian check-content`, or set "
            "DANGJIAN_ALLOW_EMPTY=1 to start anyway."
        )


def _on_sighup(services) -> None:  # type: ignore[no-untyped-def]
    """SIGHUP: every process reloads its content (as `dangjian reload` does)."""
    import logging

    def reload_everywhere() -> None:
        from bot.reload import request_reload

        try:
            generation = request_reload(services, "SIGHUP")
        except Exception:
            logging.getLogger(__name__).exception("SIGHUP: could not request a reload")
            return
        logging.getLogger(__name__).info("SIGHUP: content generation %s requested", generation)
        services.reloader.check()

    signal.signal(
        signal.SIGHUP,
        lambda *_: threading.Thread(target=reload_everywhere, name="sighup", daemon=True).start(),
    )


HOST = click.option(
    "--host", default="127.0.0.1", show_default=True, help="监听地址。Address to listen on."
)
PORT = click.option("--port", default=8000, show_default=True, type=int, help="端口。Port.")


@click.command()
@HOST
@PORT
@click.option(
    "--workers",
    type=int,
    default=None,
    help="gunicorn 进程数（默认=CPU核数）。Worker processes (default: cores).",
)
@click.option(
    "--access-log/--no-access-log", default=False, help="逐条打印访问日志。Log every request."
)
def serve(host: str, port: int, workers: int | None, access_log: bool) -> None:
    """只启动网页和微信回调（生产环境，gunicorn）。定时任务请另开 `dangjian scheduler`。
    没有配置任何回调渠道（DANGJIAN_WECHAT_TOKEN 或企业微信的 Token）时拒绝启动。

    Web only (callbacks and pages) under gunicorn sync workers, for production. Run the jobs in
    one separate `dangjian scheduler` process. Refuses to start when no channel is configured.
    """
    from bot.app import create_app
    from bot.server import serve_gunicorn

    services = _services(settings=_checked_settings(), role="serve")
    _refuse_empty(services)
    app = create_app(services.settings, services)
    serve_gunicorn(app, services, host, port, workers, access_log)


@click.command()
@click.option(
    "--wait",
    is_flag=True,
    help="已有定时任务进程时等它的租约到期再接手（备用进程、崩溃后重启）。"
    "Wait for the lease instead of refusing (a standby, or a restart after a crash).",
)
def scheduler(wait: bool) -> None:
    """只运行定时任务和推送（每个部署只能有一个）。

    Jobs only: daily pushes, reminders, meetings and the outbox dispatcher. Exactly one
    scheduler may run: a second one refuses to start, or with --wait waits until the first
    one's lease is released or expires (DANGJIAN_LEASE_TTL, default 60 s).
    """
    from bot.jobs.runner import JobRunner

    services = _services(role="scheduler")
    runner = JobRunner(services)
    stop = threading.Event()

    def on_term(*_: object) -> None:
        stop.set()
        runner.request_stop()

    signal.signal(signal.SIGTERM, on_term)
    _on_sighup(services)
    try:
        try:
            runner.start(wait=wait)
        except click.ClickException:
            if runner.stopping:
                return  # stopped while waiting for the lease
            raise
        while not stop.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        runner.shutdown()


@click.command()
@HOST
@PORT
@click.option(
    "--demo/--no-demo",
    default=False,
    help="演示模式：打开聊天模拟器，允许公开的演示 Token，数据库为空时载入演示组织。只用于本机试用。"
    " Demo mode: chat simulator on, the public demo token allowed, the demo organization loaded"
    " into an empty database. For trying it out on your own machine only.",
)
def run(host: str, port: int, demo: bool) -> None:
    """在一个进程里同时运行网页和定时任务（`make run` 用的就是它，带 --demo）。

    Web and jobs in one process: what `make run` starts (with --demo). Fine for a small
    organization; use `serve` + `scheduler` for production.
    """
    from bot.app import create_app
    from bot.jobs.runner import JobRunner
    from bot.server import serve_threaded

    services = _services(demo=demo, settings=_checked_settings(demo), role="run")
    app = create_app(services.settings, services)
    runner = JobRunner(services)
    runner.start()
    _on_sighup(services)
    mode = (
        "聊天模拟器 chat simulator" if services.settings.simulator_enabled else "微信回调 callbacks"
    )
    click.echo(f"党建学习助手 running on http://{host}:{port}/ ({mode}); Ctrl+C to stop")
    try:
        serve_threaded(app, host, port)
    except KeyboardInterrupt:
        pass
    finally:
        runner.shutdown()


@click.command()
def migrate() -> None:
    """创建或升级数据库结构。

    Create or upgrade the database schema (DANGJIAN_DB: a file path, default var/dangjian.db
    in the data folder DANGJIAN_HOME, or a postgresql:// URL). Safe to run from several
    processes at once: one migrates, the others wait and find nothing left to do.
    """
    from storage import Store
    from storage.migrate import migrate as run_migrations

    settings = load_settings()
    store = Store(settings.db)
    try:
        applied = run_migrations(store)
    finally:
        store.close()
    click.echo(
        f"数据库 {store.describe()}: "
        + (f"applied {', '.join(applied)}" if applied else "up to date")
    )


@click.command("migrate-data")
@click.option(
    "--from",
    "source",
    required=True,
    help="现在的数据库（文件路径，如 var/dangjian.db）。The database to copy from.",
)
@click.option(
    "--to",
    "target",
    required=True,
    help="新的空数据库（postgresql://用户:密码@主机/库名）。The empty database to copy into.",
)
def migrate_data(source: str, target: str) -> None:
    """把现有数据库整体复制到新的（空的）数据库，通常是从 SQLite 文件搬到 PostgreSQL。

    Copy a whole deployment into a new, empty database (usually the SQLite file into
    PostgreSQL): both are upgraded to the current schema, every table is copied in one
    transaction, id sequences are set past the copied ids, and row counts are checked. A target
    that already has data is refused. Stop `serve` and `scheduler` first.
    """
    from storage import Store
    from storage.copy import CopyError, copy_all

    src, dst = Store(source), Store(target)
    click.echo(f"从 from {src.describe()} 复制到 to {dst.describe()} …")
    try:
        copied = copy_all(src, dst)
    except CopyError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        src.close()
        dst.close()
    for table, n in copied.items():
        click.echo(f"  {table:<18} {n:>9}")
    click.echo(
        f"完成：{len(copied)} 张表共 {sum(copied.values())} 行，行数核对一致。"
        f"Done: {sum(copied.values())} rows in {len(copied)} tables, counts match."
    )


@click.command()
def demo() -> None:
    """载入演示组织（2个支部、4个党小组、20名党员）。

    Load the demo organization (2 branches, 4 party groups, 20 members; idempotent).
    """
    from bot.demo import load_demo
    from storage import open_store

    settings = load_settings()
    store = open_store(settings.db)
    counts = load_demo(store, stamp(SystemClock(settings.timezone).now()))
    click.echo(f"added {counts['added']}, updated {counts['updated']}")


NOT_RUNNING = (
    "连不上 {url}：服务没有运行，或者地址不对。\n"
    "请先在另一个终端运行 make run（或 dangjian run --demo），再运行 dangjian chat；"
    "服务在别的地址就用 --url 指定。Cannot reach the server at {url}: is it running?"
)
BAD_OPENID = "（这个 openid 的推送无法显示：推送只对由字母、数字、-、_ 组成的 openid 显示。）"
NO_SIMULATOR = (
    "（这个服务没有开启模拟器，推送不会显示在这里。要看推送，请用 dangjian run --demo"
    " 或设置 DANGJIAN_SIMULATOR=on 启动服务。）"
)


class PushWatcher:
    """Pushes to one openid, read from the simulator's console inbox (/simulator/inbox — the
    same pushes the simulator page shows, no login or key needed beyond the simulator itself).
    Thread-safe: the chat polls after each reply and a background thread polls in between."""

    def __init__(self, url: str, openid: str, timeout: float = 5.0) -> None:
        import requests

        self.url = url.rstrip("/") + "/simulator/inbox"
        self.openid = openid
        self.timeout = timeout
        self.session = requests.Session()
        self.after = 0
        self.available: bool | None = None  # None until the first answer
        self.why = ""  # why pushes cannot be shown, once available is False
        self.lock = threading.Lock()

    def fetch(self) -> list[dict[str, object]]:
        """New pushes since the last fetch (nothing when the simulator is off)."""
        import requests

        with self.lock:
            if self.available is False:
                return []
            try:
                r = self.session.get(
                    self.url,
                    params={"openid": self.openid, "after": str(self.after)},
                    timeout=self.timeout,
                )
            except requests.RequestException:
                return []  # the server is restarting: the next poll will tell
            if r.status_code in (400, 404):
                self.available = False
                self.why = NO_SIMULATOR if r.status_code == 404 else BAD_OPENID
                return []
            if r.status_code != 200:
                return []
            self.available = True
            rows = [row for row in r.json() if isinstance(row, dict)]
            if rows:
                self.after = max(int(str(row["id"])) for row in rows)
            return rows


def _default_openid() -> str:
    user = re.sub(r"[^A-Za-z0-9_-]", "-", getpass.getuser())[:50] or "user"
    return f"cli-{user}"


@click.command()
@click.option(
    "--url", default="http://127.0.0.1:8000", show_default=True, help="服务地址。Server URL."
)
@click.option(
    "--openid",
    default=None,
    help="模拟的微信 openid（默认 cli-当前用户名；推送只对字母、数字、-、_ 组成的 openid 显示）。"
    "Simulated openid.",
)
@click.option(
    "--poll",
    default=2.0,
    show_default=True,
    type=click.FloatRange(min=0.2),
    help="每隔几秒查一次推送。Seconds between push checks.",
)
def chat(url: str, openid: str | None, poll: float) -> None:
    """终端聊天模拟器：像微信服务器一样签名（安全模式下加密）并发送消息，推送到达时显示出来。

    推送（通知、会议提醒、转人工的答复）从服务的模拟器收件箱读取，所以服务要开启模拟器
    （dangjian run --demo，或 DANGJIAN_SIMULATOR=on）；没开启时聊天照常，只是不显示推送。
    服务没有运行时会提示先启动服务。

    Terminal chat simulator: signs (and in safe mode encrypts) each message exactly as the
    WeChat server does and posts it to the running service's /wechat. Pushes to this openid
    (notices, meeting reminders, answers to hand-offs) are shown as they arrive; they are read
    from the simulator's console inbox, so the server must run with the simulator enabled
    (`dangjian run --demo` or DANGJIAN_SIMULATOR=on). Type /quit to leave, /subscribe to send
    a follow event.
    """
    import requests

    from bot.channels.peer import WeChatPeer, http_transport

    settings = load_settings()
    try:
        requests.get(url.rstrip("/") + "/healthz", timeout=5)
    except requests.RequestException:
        raise click.ClickException(NOT_RUNNING.format(url=url)) from None
    peer = WeChatPeer(
        http_transport(url),
        settings.wechat_token or DEMO_TOKEN,  # `make run` (demo mode) uses the demo token
        settings.wechat_appid or "wx-demo",
        settings.wechat_aes_key,
    )
    who = openid or _default_openid()
    printing = threading.Lock()

    def show_pushes(rows: list[dict[str, object]], prompt: bool) -> None:
        if not rows:
            return
        with printing:
            lead = "\n" if prompt else ""
            for row in rows:
                click.echo(f"{lead}[推送] {row.get('text', '')}")
                lead = ""
            if prompt:
                click.echo("你> ", nl=False)
            sys.stdout.flush()

    watcher = PushWatcher(url, who)
    earlier = watcher.fetch()
    click.echo(f"以 {who} 的身份聊天 chatting as {who}; /quit 退出")
    if watcher.available is False:
        click.echo(watcher.why)
    elif earlier:
        click.echo(f"之前收到的推送（最近 {min(len(earlier), 3)} 条）：")
        show_pushes(earlier[-3:], prompt=False)
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(poll):
            show_pushes(watcher.fetch(), prompt=True)

    threading.Thread(target=watch, daemon=True).start()
    try:
        while True:
            try:
                line = input("你> ")
            except (EOFError, KeyboardInterrupt):
                click.echo()
                return
            if line.strip() in ("/quit", "/exit"):
                return
            if not line.strip():
                continue
            try:
                reply = (
                    peer.event(who, "subscribe")
                    if line.strip() == "/subscribe"
                    else peer.send(who, line)
                )
            except requests.RequestException:
                click.echo(
                    f"[出错] 连不上 {url}，服务是不是停了？请确认服务正在运行后再试。", err=True
                )
                continue
            except Exception as exc:  # a reply that is not valid XML or cannot be decrypted
                click.echo(f"[出错] 回复无法解析 bad reply: {exc}", err=True)
                continue
            with printing:
                if reply.status != 200:
                    click.echo(f"[HTTP {reply.status}] {reply.body.decode('utf-8', 'replace')}")
                else:
                    click.echo("助手> " + (reply.text or "（无回复）"))
                sys.stdout.flush()
            show_pushes(watcher.fetch(), prompt=False)
    finally:
        stop.set()


@click.command("check-content")
@click.option(
    "--content-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="站点内容目录（默认 数据目录/content，叠加在随包内容之上）。Site content folder.",
)
@click.option(
    "--quiz-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="站点题库目录（默认 数据目录/quizzes）。Site question bank folder.",
)
def check_content(content_dir: Path | None, quiz_dir: Path | None) -> None:
    """检查学习内容、政策问答库、词典、题库和积分规则，逐条列出错误（文件:行号）。

    Validate study items, the policy library, the dictionaries, the question banks and the
    points rules (points.yaml: unknown actions, overlapping versions, negative caps …) as the
    service would load them (the shipped content with the site's on top); print each error with
    its file and line, and exit non-zero if there is any.
    """
    from dataclasses import replace

    from bot import reload

    settings = load_settings()
    if content_dir is not None:
        settings = replace(settings, content_dir=str(content_dir.resolve()))
    if quiz_dir is not None:
        settings = replace(settings, quiz_dir=str(quiz_dir.resolve()))
    problems = reload.validate(settings)
    errors = [e for name in reload.LIBRARIES for e in problems[name]]
    for error in errors:
        click.echo(str(error), err=True)
    click.echo(f"内容来源 sources: {reload.describe_sources(settings)}", err=bool(errors))
    if errors:
        files = len({e.path for e in errors})
        raise click.ClickException(
            f"{len(errors)} 个错误，涉及 {files} 个文件 errors in {files} files"
        )
    from bot.knowledge.entries import load_entries
    from bot.points import rules as points_rules
    from bot.quiz.bank import QuizBank
    from bot.study import load_items

    items = len(load_items(settings.content_layers())[0])
    entries = len(load_entries(settings.content_layers())[0])
    questions = len(QuizBank.load(settings.quiz_layers()))
    rules = len(points_rules.load(settings.content_layers()))
    click.echo(
        f"内容检查通过 content OK: {entries} 条政策 policy entries, {items} 条学习内容 study items, "
        f"{questions} 道题 questions, {rules} 条积分规则 points rules"
    )


@click.command()
@click.argument(
    "folder", required=False, type=click.Path(file_okay=False, path_type=Path), default=None
)
def init(folder: Path | None) -> None:
    """新建数据目录：带注释的 .env、空花名册模板、站点可改的内容副本（已有文件不覆盖）。

    Create a data folder (default: DANGJIAN_HOME or the working directory): a commented .env,
    an empty roster template (xlsx), and copies of the content a site is expected to edit.
    Refuses to overwrite anything that exists. Then: edit .env, `dangjian migrate`,
    `dangjian import-members 花名册.xlsx`.
    """
    from bot.config import home_from
    from bot.site import SiteExists, create_site

    target = (folder or home_from(os.environ)).expanduser().resolve()
    try:
        created = create_site(target)
    except SiteExists as exc:
        raise click.ClickException(
            "这些文件已经存在，没有改动任何文件 these files exist, nothing was written:\n  "
            + "\n  ".join(str(p) for p in exc.paths)
        ) from exc
    click.echo(f"已创建数据目录 created the data folder {target}:")
    for path in created:
        click.echo(f"  {path.relative_to(target)}")
    click.echo(
        "下一步 next: 编辑 .env 填写公众号/企业微信配置；在该目录运行 dangjian migrate；"
        "填好 花名册模板.xlsx 后 dangjian import-members 花名册模板.xlsx；"
        "dangjian check-content；然后 dangjian serve / dangjian scheduler。"
    )


@click.command()
def reload() -> None:
    """让所有运行中的进程重新载入内容和题库（不用重启）；内容有错时不载入。

    Reload content and question banks in every running process (web workers, scheduler, run):
    validates the content first and, if it is valid, raises the content generation in the
    database, which each process checks within seconds. Invalid content is not loaded: the
    errors are printed and the processes keep what they have. SIGHUP does the same.
    """
    from bot import reload as content
    from storage import open_store, runtime

    settings = load_settings()
    problems = content.validate(settings)
    errors = [e for name in content.LIBRARIES for e in problems[name]]
    for error in errors:
        click.echo(str(error), err=True)
    if errors:
        raise click.ClickException(
            f"内容有 {len(errors)} 个错误，未通知重新载入，运行中的进程保持原内容。"
            f"{len(errors)} errors: nothing reloaded; the running processes keep their content."
        )
    store = open_store(settings.db)
    try:
        generation = runtime.bump_generation(
            store, stamp(SystemClock(settings.timezone).now()), "dangjian reload"
        )
    finally:
        store.close()
    click.echo(
        f"已通知所有进程重新载入内容（第 {generation} 版），几秒内生效。"
        f"Every process reloads its content within seconds (generation {generation})."
    )


COMMANDS = [
    serve,
    scheduler,
    run,
    migrate,
    migrate_data,
    demo,
    chat,
    check_content,
    init,
    reload,
]
