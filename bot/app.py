"""`create_app(settings, services)`: the Flask app. Builds routes and starts nothing else."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from bot.config import ConfigError, Settings
from bot.dialog.router import Router
from bot.services import Services, build_services

log = logging.getLogger(__name__)


def check(settings: Settings) -> None:
    """Refuse a configuration that would expose something (see SECURITY.md)."""
    problems = settings.problems()
    if problems:
        raise ConfigError("\n".join(problems))


def create_app(settings: Settings, services: Services | None = None) -> Flask:
    """Each channel is mounted only when its own token is configured; the simulator only when
    explicitly asked for (DANGJIAN_SIMULATOR=on or demo mode)."""
    check(settings)
    services = services or build_services(settings)
    router = Router(services)
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    app.extensions["dangjian"] = services
    app.extensions["dangjian.router"] = router
    if settings.wechat_callback_configured:
        from bot.channels import wechat

        app.register_blueprint(wechat.blueprint(services, router))
    if settings.wecom_callback_configured:
        from bot.channels import wecom

        app.register_blueprint(wecom.blueprint(services, router))
    elif settings.wecom_configured:
        log.warning(
            "WeCom is configured for pushes only: set DANGJIAN_WECOM_TOKEN and "
            "DANGJIAN_WECOM_AES_KEY (the app's 接收消息 Token and EncodingAESKey) to receive messages"
        )
    if settings.simulator.strip().lower() == "on" and not settings.wechat_callback_configured:
        log.warning("DANGJIAN_SIMULATOR=on is ignored: the simulator needs /wechat (its token)")
    if settings.simulator_enabled:
        from bot.web import simulator

        if settings.real_credentials:
            log.warning(
                "\n%s\nTHE CHAT SIMULATOR IS ON WITH REAL PLATFORM CREDENTIALS (%s).\n"
                "Anyone who can reach this port can list every member with phone numbers at "
                "/simulator/members and speak as any member, including the secretary.\n"
                "For production: DANGJIAN_SIMULATOR=off and no --demo.\n%s",
                "!" * 78,
                ", ".join(settings.real_credentials),
                "!" * 78,
            )
        app.register_blueprint(simulator.blueprint(services, app))

    from bot.web import board, message

    app.register_blueprint(message.blueprint(services))
    app.register_blueprint(board.blueprint(services))

    @app.before_request
    def watch_content() -> None:
        if services.reloader is not None:
            services.reloader.maybe_check()  # `dangjian reload`: at most one look a second

    @app.get("/healthz")
    def healthz() -> Response:
        from bot import health

        status, body = health.report(services)
        response = jsonify(body)
        response.status_code = status
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return Response(exc.description or exc.name, status=exc.code or 400, mimetype="text/plain")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unexpected error")
        return Response("internal error", status=500, mimetype="text/plain")

    return app
