"""Application factory of the notifier's HTTP API."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api

from linli_contracts.logs import install_flask_correlation
from linli_contracts.metrics import (
    OutboxBacklogCollector,
    QueueDepthCollector,
    instrument_app,
    outbox_backlog,
)
from notifier import config
from notifier.auth import authenticate
from notifier.crypto import Vault
from notifier.db import make_engine, session_factory
from notifier.masking import install_masking
from notifier.models import outbox
from notifier.web import State, close_db, ids_in_range, refuse_deep_json

API_SETTINGS: dict[str, Any] = {
    "API_TITLE": "Linli notifier",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
    "API_SPEC_OPTIONS": {
        "components": {"securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
        "security": [{"bearerAuth": []}],
    },
}


def create_app(config_overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, NOTIFIER_* environment, then `config_overrides`."""
    settings = config.load(config_overrides)
    app = Flask(__name__)
    app.config.update(API_SETTINGS)
    app.config.update(settings)
    app.config["MAX_CONTENT_LENGTH"] = int(settings["MAX_CONTENT_LENGTH"])
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    install_masking(settings["LOG_LEVEL"])
    engine = make_engine(settings["DATABASE_URL"])
    app.extensions["notifier"] = State(settings, session_factory(engine), Vault(settings))
    app.teardown_appcontext(close_db)
    install_flask_correlation(app)
    # Requests are logged by their endpoint rule: link tokens and calendar secrets in paths
    # never reach the log.
    instrument_app(app, [
        QueueDepthCollector(settings["BROKER_URL"], ("notifier.events",)),
        OutboxBacklogCollector(lambda: outbox_backlog(engine, outbox)),
    ], token=settings.get("METRICS_TOKEN") or None)
    app.before_request(authenticate)
    app.before_request(ids_in_range)
    app.before_request(refuse_deep_json)

    api = Api(app)
    from notifier.calendar.resources import blp as calendar  # noqa: PLC0415
    from notifier.health.resources import blp as health  # noqa: PLC0415
    from notifier.inbox.resources import blp as inbox  # noqa: PLC0415
    from notifier.notifications.resources import blp as notifications  # noqa: PLC0415
    from notifier.responses.resources import blp as responses  # noqa: PLC0415
    from notifier.shifts.resources import blp as shifts  # noqa: PLC0415
    from notifier.volunteers.resources import blp as volunteers  # noqa: PLC0415
    from notifier.webhooks.resources import blp as webhooks  # noqa: PLC0415

    for blueprint in (health, inbox, notifications, volunteers, webhooks, responses, calendar,
                      shifts):
        api.register_blueprint(blueprint)
    return app
