"""HTTP endpoints of activity types."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from registry.activity_types import service
from registry.activity_types.schemas import (
    ActivityTypeInSchema,
    ActivityTypeListArgs,
    ActivityTypeSchema,
    ActivityTypeUpdateSchema,
)
from registry.auth.principal import current_principal
from registry.common import check_if_match, errors, page_of, patch_of, with_etag
from registry.db import db
from registry.models import ActivityType

blp = Blueprint(
    "ActivityTypes", __name__, url_prefix="/activity-types", description="活动类型 Activity types"
)


@blp.route("")
class ActivityTypes(MethodView):
    """Activity type collection."""

    @blp.arguments(ActivityTypeListArgs, location="query")
    @blp.response(200, ActivityTypeSchema(many=True))
    @errors(blp, 401)
    @blp.paginate(page_size=100, max_page_size=200)
    def get(self, filters: dict[str, Any], pagination_parameters: Any) -> list[ActivityType]:
        """List built-in types and those of the caller's communities."""
        query = service.list_query(current_principal(), filters)
        items = page_of(db.session, query, pagination_parameters, [ActivityType.id])
        return [service.view(item) for item in items]

    @blp.arguments(ActivityTypeInSchema)
    @blp.response(201, ActivityTypeSchema)
    @errors(blp, 401, 403, 409)
    def post(self, data: dict[str, Any]) -> Any:
        """Define an activity type for a community."""
        return with_etag(service.create(db.session, current_principal(), data))


@blp.route("/<int:type_id>")
class ActivityTypeItem(MethodView):
    """One activity type."""

    @blp.response(200, ActivityTypeSchema)
    @errors(blp, 401, 404)
    def get(self, type_id: int) -> Any:
        """Read an activity type."""
        return with_etag(service.get(db.session, current_principal(), type_id))

    @blp.arguments(patch_of(ActivityTypeUpdateSchema))
    @blp.response(200, ActivityTypeSchema)
    @errors(blp, 401, 403, 404, 409, 412)
    def patch(self, data: dict[str, Any], type_id: int) -> Any:
        """Change an activity type."""
        item = service.get(db.session, current_principal(), type_id)
        check_if_match(item)
        return with_etag(service.update(db.session, current_principal(), item, data))

    @blp.response(204)
    @errors(blp, 401, 403, 404, 409, 412)
    def delete(self, type_id: int) -> None:
        """Delete a community's activity type."""
        item = service.get(db.session, current_principal(), type_id)
        check_if_match(item)
        service.remove(db.session, current_principal(), item)
