"""`create_app(settings, services)`: the Flask app. Builds routes and starts nothing else."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from bot.channels import wechat
from bot.config import Settings
from bot.dialog.router import Router
from bot.services import Services, build_services

log = logging.getLogger(__name__)


def create_app(settings: Settings, services: Services | None = None) -> Flask:
    services = services or build_services(settings)
    router = Router(services)
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    app.extensions["dangjian"] = services
    app.register_blueprint(wechat.blueprint(services, router))
    if settings.wecom_configured:
        from bot.channels import wecom

        app.register_blueprint(wecom.blueprint(services, router))
    if settings.simulator_enabled:
        from bot.web import simulator

        app.register_blueprint(simulator.blueprint(services, app))

    @app.get("/healthz")
    def healthz() -> Response:
        services.store.scalar("SELECT 1")
        return jsonify({"status": "ok"})

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return Response(exc.description or exc.name, status=exc.code or 400, mimetype="text/plain")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unexpected error")
        return Response("internal error", status=500, mimetype="text/plain")

    return app
