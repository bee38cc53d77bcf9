"""GET /healthz (process alive) and GET /readyz (database reachable and migrated)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields
from sqlalchemy import Engine, text

from scheduler.service.db import db
from scheduler.service.migrate import head_revision

blp = Blueprint("Health", __name__, description="存活与就绪探针 Liveness and readiness")


class StatusSchema(Schema):
    """Probe answer."""

    status = fields.String(required=True)


def database_ready(engine: Engine) -> tuple[bool, str]:
    """Return (ready, reason): the database answers and stands at the latest revision."""
    try:
        with engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as exc:  # noqa: BLE001 - any database failure means not ready
        return False, f"database unavailable: {type(exc).__name__}"
    head = head_revision()
    if current != head:
        return False, f"database at revision {current}, expected {head}"
    return True, "ready"


@blp.route("/healthz")
class Healthz(MethodView):
    """Liveness."""

    @blp.doc(security=[])
    @blp.response(200, StatusSchema)
    def get(self) -> dict[str, Any]:
        """The process is alive."""
        return {"status": "ok"}


@blp.route("/readyz")
class Readyz(MethodView):
    """Readiness."""

    @blp.doc(security=[])
    @blp.response(200, StatusSchema)
    @blp.alt_response(503, description="数据库不可用或未迁移 Database unreachable or not migrated")
    def get(self) -> dict[str, Any]:
        """The database answers and is migrated to the latest revision."""
        ok, reason = database_ready(db.engine)
        if not ok:
            abort(503, message=reason)
        return {"status": "ready"}
