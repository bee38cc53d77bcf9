"""HTTP endpoints of activities and shift generation."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from registry.activities import service
from registry.activities.schemas import (
    ActivityInSchema,
    ActivityListArgs,
    ActivitySchema,
    GenerateResultSchema,
    GenerateSchema,
)
from registry.auth.principal import current_principal
from registry.common import check_if_match, errors, page_of, patch_of, with_etag
from registry.db import db
from registry.models import Activity

blp = Blueprint(
    "Activities", __name__, url_prefix="/activities", description="活动与排班序列 Activities"
)


@blp.route("")
class Activities(MethodView):
    """Activity collection."""

    @blp.arguments(ActivityListArgs, location="query")
    @blp.response(200, ActivitySchema(many=True))
    @errors(blp, 401)
    @blp.paginate(page_size=50, max_page_size=200)
    def get(self, filters: dict[str, Any], pagination_parameters: Any) -> list[Activity]:
        """List activities."""
        query = service.list_query(current_principal(), filters)
        return page_of(db.session, query, pagination_parameters, [Activity.id])

    @blp.arguments(ActivityInSchema)
    @blp.response(201, ActivitySchema)
    @errors(blp, 401, 403, 409)
    def post(self, data: dict[str, Any]) -> Any:
        """Create an activity with its shift series."""
        return with_etag(service.create(db.session, current_principal(), data))


@blp.route("/<int:activity_id>")
class ActivityItem(MethodView):
    """One activity."""

    @blp.response(200, ActivitySchema)
    @errors(blp, 401, 404)
    def get(self, activity_id: int) -> Any:
        """Read an activity."""
        return with_etag(service.get(db.session, current_principal(), activity_id))

    @blp.arguments(patch_of(ActivityInSchema))
    @blp.response(200, ActivitySchema)
    @errors(blp, 401, 403, 404, 409, 412)
    def patch(self, data: dict[str, Any], activity_id: int) -> Any:
        """Change an activity (then regenerate its shifts)."""
        activity = service.get(db.session, current_principal(), activity_id)
        check_if_match(activity)
        return with_etag(service.update(db.session, current_principal(), activity, data))

    @blp.response(204)
    @errors(blp, 401, 403, 404, 409, 412)
    def delete(self, activity_id: int) -> None:
        """Delete an activity whose shifts have no history."""
        activity = service.get(db.session, current_principal(), activity_id)
        check_if_match(activity)
        service.remove(db.session, current_principal(), activity)


@blp.route("/<int:activity_id>/generate-shifts")
class GenerateShifts(MethodView):
    """Shift generation."""

    @blp.arguments(GenerateSchema)
    @blp.response(200, GenerateResultSchema)
    @errors(blp, 401, 403, 404, 409, 412)
    def post(self, data: dict[str, Any], activity_id: int) -> dict[str, Any]:
        """Generate the series' shifts in a date range (idempotent; keeps edited shifts)."""
        activity = service.get(db.session, current_principal(), activity_id)
        return service.generate_shifts(
            db.session, current_principal(), activity, data["start_date"], data["end_date"]
        )
