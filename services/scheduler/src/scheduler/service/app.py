"""Application factory of the scheduler service."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Flask, g, request
from flask_smorest import Api, abort

from scheduler.service.auth import ScopeCache, authenticate
from scheduler.service.common import MAX_ID
from scheduler.service.config import from_environment
from scheduler.service.db import db
from scheduler.service.errors import http_exception_body, register_error_handlers
from scheduler.service.i18n import t
from scheduler.service.registry_client import RegistryClient


class SchedulerApi(Api):
    """flask-smorest Api whose HTTP errors use the service's one JSON shape."""

    def handle_http_exception(self, error: Any) -> Any:
        """Render any HTTP error (404, 405, 413, 500 ...) as {code, status, message, errors}."""
        return http_exception_body(error)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the scheduler app: defaults, SCHEDULER_* environment, test overrides, extensions."""
    app = Flask(__name__)
    app.config.update(from_environment(config))
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    logging.basicConfig(level=app.config["LOG_LEVEL"])

    db.init_app(app)
    app.extensions["scheduler_registry"] = RegistryClient.from_config(app.config)
    app.extensions["scheduler_scopes"] = ScopeCache()
    api = SchedulerApi(app)
    register_error_handlers(app)
    app.before_request(_prepare_request)
    app.before_request(authenticate)
    app.after_request(_echo_correlation_id)
    _register_blueprints(api)
    return app


def _prepare_request() -> None:
    g.correlation_id = (request.headers.get("X-Correlation-ID") or uuid.uuid4().hex)[:64]
    # Ids in the URL beyond the database's integer range cannot exist.
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            abort(404, message=t("404"))


def _echo_correlation_id(response: Any) -> Any:
    response.headers["X-Correlation-ID"] = g.get("correlation_id", "")
    return response


def _register_blueprints(api: Api) -> None:
    from scheduler.service.attendance.resources import blp as attendance  # noqa: PLC0415
    from scheduler.service.health.resources import blp as health  # noqa: PLC0415
    from scheduler.service.plans.resources import blp as plans  # noqa: PLC0415

    for blueprint in (health, plans, attendance):
        api.register_blueprint(blueprint)
