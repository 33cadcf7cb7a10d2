"""Serving the app: gunicorn for production (bot/web_worker.py: whole requests read without
blocking, a few threads per worker), a threaded server for `dangjian run`."""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from bot.services import Services


class GunicornApp(BaseApplication):  # type: ignore[misc]
    """The app is built once in the master (jieba and content load before fork); each worker
    opens its own database connection after the fork."""

    def __init__(
        self, app: Flask, options: dict[str, Any], services: Services | None = None
    ) -> None:
        self.application = app
        self.services = services
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 25.1: a runtime
            self.cfg.set("control_socket_disable", True)  # control socket nobody here uses
        services = self.services
        if services is None:
            return

        def post_fork(server: Any, worker: Any) -> None:
            services.store.reopen()

        def on_reload(arbiter: Any) -> None:
            """SIGHUP to the master: reload the content here, so the workers gunicorn starts
            next fork with it, and raise the generation so that the scheduler reloads too."""
            reload_in_master(services)

        self.cfg.set("post_fork", post_fork)
        self.cfg.set("on_reload", on_reload)

    def load(self) -> Flask:
        return self.application


def gunicorn_options(
    host: str,
    port: int,
    workers: int | None = None,
    access_log: bool = False,
    extra: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """How `dangjian serve` runs gunicorn (bench/echo_app.py runs its baseline the same way):
    bot.web_worker's BufferedWorker, which reads whole requests without blocking before a
    thread answers them, so idle or slow clients never hold a worker. Settings (environment,
    DANGJIAN_ prefix): WEB_THREADS (threads per worker, default 4), READ_TIMEOUT (seconds a
    client has to send its whole request, default 10)."""
    from bot.web_worker import READ_TIMEOUT, THREADS, BufferedWorker

    extra = extra or {}
    threads = int(extra.get("web_threads") or THREADS)
    read_timeout = float(extra.get("read_timeout") or READ_TIMEOUT)
    worker = type("Worker", (BufferedWorker,), {"read_timeout": read_timeout})
    return {
        "bind": f"{host}:{port}",
        "workers": workers or multiprocessing.cpu_count(),
        "worker_class": worker,
        "threads": threads,
        "timeout": 30,
        "accesslog": "-" if access_log else None,
        "preload_app": True,
    }


def run_gunicorn(
    app: Flask,
    host: str,
    port: int,
    workers: int | None = None,
    access_log: bool = False,
    services: Services | None = None,
) -> None:
    extra = services.settings.extra if services is not None else None
    GunicornApp(app, gunicorn_options(host, port, workers, access_log, extra), services).run()


def serve_gunicorn(
    app: Flask,
    services: Services,
    host: str,
    port: int,
    workers: int | None = None,
    access_log: bool = False,
) -> None:
    services.store.close()  # the master keeps no connection across the fork
    run_gunicorn(app, host, port, workers, access_log, services)


def serve_threaded(app: Flask, host: str, port: int) -> None:
    from werkzeug.serving import make_server

    server = make_server(host, port, app, threaded=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def reload_in_master(services: Services) -> None:
    import logging

    from bot.reload import request_reload

    log = logging.getLogger(__name__)
    services.store.reopen()  # the master keeps no connection across forks: a short one
    try:
        generation = request_reload(services, "SIGHUP to dangjian serve")
        services.reloader.reload(generation)
    except Exception:
        log.exception("SIGHUP: content reload failed; the workers keep the content they have")
    finally:
        services.store.close()
