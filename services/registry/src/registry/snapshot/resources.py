"""GET /snapshot: the planning snapshot for the scheduler."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from registry.auth.principal import current_principal
from registry.common import errors
from registry.db import db
from registry.snapshot import service
from registry.snapshot.schemas import SnapshotArgs, SnapshotSchema

blp = Blueprint(
    "Snapshot", __name__, url_prefix="/snapshot", description="排班快照 Planning snapshot"
)


@blp.route("")
class Snapshot(MethodView):
    """Planning snapshot."""

    @blp.arguments(SnapshotArgs, location="query")
    @blp.response(200, SnapshotSchema)
    @errors(blp, 401, 403, 404)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Everything the scheduler needs for communities and dates, read consistently."""
        service.authorise(current_principal(), args["community_id"])
        db.session.rollback()  # end the request's read transaction before the snapshot's own
        return service.build_snapshot(
            db.engine,
            args["community_id"],
            args["start"],
            args["end"],
            mark_planned=args["mark_planned"],
        )
