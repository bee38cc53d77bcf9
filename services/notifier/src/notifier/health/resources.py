"""`/healthz` (the process answers) and `/readyz` (the database answers too)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from notifier.web import db

blp = Blueprint("Health", __name__, description="Liveness and readiness probes.")


@blp.route("/healthz")
class Healthz(MethodView):
    """Liveness."""

    @blp.response(200)
    def get(self) -> dict[str, Any]:
        """The process is up."""
        return {"status": "ok"}


@blp.route("/readyz")
class Readyz(MethodView):
    """Readiness."""

    @blp.response(200)
    def get(self) -> dict[str, Any]:
        """The database answers."""
        try:
            db().execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            abort(503, message="database unavailable")
        return {"status": "ok"}
