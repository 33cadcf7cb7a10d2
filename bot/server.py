"""Serving the app: gunicorn sync workers for production, a threaded server for `dangjian run`."""

from __future__ import annotations

import multiprocessing
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from bot.services import Services


class GunicornApp(BaseApplication):  # type: ignore[misc]
    """The app is built once in the master (jieba and content load before fork); each worker
    opens its own SQLite connection after the fork."""

    def __init__(self, app: Flask, services: Services, options: dict[str, Any]) -> None:
        self.application = app
        self.services = services
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        services = self.services

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


def serve_gunicorn(
    app: Flask,
    services: Services,
    host: str,
    port: int,
    workers: int | None = None,
    access_log: bool = False,
) -> None:
    workers = workers or multiprocessing.cpu_count()
    services.store.close()  # the master keeps no connection across the fork
    GunicornApp(
        app,
        services,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "sync",
            "timeout": 30,
            "accesslog": "-" if access_log else None,
            "preload_app": True,
        },
    ).run()


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
