"""Application factory of the registry service."""

from __future__ import annotations

import logging
from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app, request
from flask_smorest import Api, abort

from linli_contracts.database import absolute_database_url
from linli_contracts.http_guards import nested_too_deeply
from linli_contracts.logs import install_flask_correlation
from linli_contracts.metrics import OutboxBacklogCollector, instrument_app, outbox_backlog
from registry.auth.principal import authenticate
from registry.config import defaults
from registry.db import db
from registry.errors import http_exception_body, register_error_handlers
from registry.i18n import t
from registry.masking import install_masking
from registry.models import OUTBOX

IMPORT_ENDPOINTS = {"Volunteers.VolunteerImport", "Shifts.ShiftImport"}


class RegistryApi(Api):
    """flask-smorest Api whose HTTP errors use the registry's one JSON shape."""

    def handle_http_exception(self, error: Any) -> Any:
        """Render any HTTP error (404, 405, 413, 500 ...) as {code, status, message, errors}."""
        return http_exception_body(error)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the registry app: defaults, REGISTRY_* environment, test overrides, extensions."""
    app = Flask(__name__)
    app.config.update(defaults())
    app.config.from_prefixed_env("REGISTRY")
    if config:
        app.config.update(config)
    app.config["DATABASE_URL"] = absolute_database_url(app.config["DATABASE_URL"])
    install_masking(app.config["LOG_LEVEL"])
    _check_secret(app)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    db.init_app(app)
    api = RegistryApi(
        app, spec_kwargs={"marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name)}
    )
    register_error_handlers(app)
    install_flask_correlation(app)
    instrument_app(app, [OutboxBacklogCollector(_outbox_backlog)],
                   token=app.config.get("METRICS_TOKEN") or None)
    app.before_request(_prepare_request)
    app.before_request(authenticate)
    if app.config.get("REGISTER_BLUEPRINTS", True):
        _register_blueprints(api)
    return app


def _check_secret(app: Flask) -> None:
    """Fail fast on a weak signing key; warn while the development key is in use."""
    secret = str(app.config["JWT_SECRET"])
    if len(secret.encode()) < 32:
        raise RuntimeError("REGISTRY_JWT_SECRET must be at least 32 bytes long")
    if secret == defaults()["JWT_SECRET"] and not app.config.get("TESTING"):
        logging.getLogger(__name__).warning(
            "REGISTRY_JWT_SECRET is not set: using the development key"
        )


def schema_name(schema: Any) -> str:
    """OpenAPI component name: the class name without "Schema", "Patch" for partial ones."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type) and schema.partial:
        name += "Patch"
    return name


def _outbox_backlog() -> int:
    return outbox_backlog(db.engine, OUTBOX)


def _prepare_request() -> None:
    if request.endpoint in IMPORT_ENDPOINTS:
        # Spreadsheets may be larger than JSON bodies.
        request.max_content_length = current_app.config["IMPORT_MAX_CONTENT_LENGTH"]
    elif request.is_json and request.content_length:
        if nested_too_deeply(request.get_data(cache=True)):
            abort(400, message=t("400"), errors={"json": ["nested too deeply"]})


def _register_blueprints(api: Api) -> None:
    from registry.activities.resources import blp as activities  # noqa: PLC0415
    from registry.activity_types.resources import blp as activity_types  # noqa: PLC0415
    from registry.auth.resources import blp as auth  # noqa: PLC0415
    from registry.calendars.resources import blp as calendars  # noqa: PLC0415
    from registry.communities.resources import blp as communities  # noqa: PLC0415
    from registry.grids.resources import blp as grids  # noqa: PLC0415
    from registry.health.resources import blp as health  # noqa: PLC0415
    from registry.shifts.resources import blp as shifts  # noqa: PLC0415
    from registry.snapshot.resources import blp as snapshot  # noqa: PLC0415
    from registry.venues.resources import blp as venues  # noqa: PLC0415
    from registry.volunteers.resources import blp as volunteers  # noqa: PLC0415

    for blueprint in (
        health,
        auth,
        communities,
        grids,
        venues,
        volunteers,
        activity_types,
        activities,
        shifts,
        calendars,
        snapshot,
    ):
        api.register_blueprint(blueprint)
