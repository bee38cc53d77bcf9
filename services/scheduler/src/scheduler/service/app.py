"""Application factory of the scheduler service."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_smorest import Api, abort

from linli_contracts.http_guards import nested_too_deeply
from linli_contracts.logs import install_flask_correlation
from linli_contracts.metrics import (
    OutboxBacklogCollector,
    QueueDepthCollector,
    instrument_app,
    outbox_backlog,
)
from scheduler.service.auth import ScopeCache, authenticate
from scheduler.service.common import MAX_ID
from scheduler.service.config import from_environment
from scheduler.service.db import db
from scheduler.service.errors import http_exception_body, register_error_handlers
from scheduler.service.i18n import t
from scheduler.service.masking import install_masking
from scheduler.service.models import OUTBOX
from scheduler.service.registry_client import RegistryClient

#: Queues whose depth the scheduler's /metrics reports (with their dead-letter queues).
QUEUES = ("scheduler.solve", "scheduler.events")


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
    install_masking(app.config["LOG_LEVEL"])

    db.init_app(app)
    app.extensions["scheduler_registry"] = RegistryClient.from_config(app.config)
    app.extensions["scheduler_scopes"] = ScopeCache()
    api = SchedulerApi(app)
    register_error_handlers(app)
    install_flask_correlation(app)
    instrument_app(app, [
        QueueDepthCollector(app.config["BROKER_URL"], QUEUES),
        OutboxBacklogCollector(lambda: outbox_backlog(db.engine, OUTBOX)),
    ], token=app.config.get("METRICS_TOKEN") or None)
    app.before_request(_prepare_request)
    app.before_request(authenticate)
    _register_blueprints(api)
    return app


def _prepare_request() -> None:
    # Ids in the URL beyond the database's integer range cannot exist.
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            abort(404, message=t("404"))
    if request.is_json and request.content_length:
        if nested_too_deeply(request.get_data(cache=True)):
            abort(400, message=t("400"), errors={"json": ["nested too deeply"]})


def _register_blueprints(api: Api) -> None:
    from scheduler.service.attendance.resources import blp as attendance  # noqa: PLC0415
    from scheduler.service.health.resources import blp as health  # noqa: PLC0415
    from scheduler.service.plans.resources import blp as plans  # noqa: PLC0415

    for blueprint in (health, plans, attendance):
        api.register_blueprint(blueprint)
