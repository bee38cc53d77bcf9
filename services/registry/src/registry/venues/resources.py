"""HTTP endpoints of venues."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from registry.auth.principal import current_principal
from registry.common import check_if_match, errors, page_of, patch_of, with_etag
from registry.db import db
from registry.models import Venue
from registry.venues import service
from registry.venues.schemas import VenueInSchema, VenueListArgs, VenueSchema

blp = Blueprint("Venues", __name__, url_prefix="/venues", description="场地与房间 Venues and rooms")


@blp.route("")
class Venues(MethodView):
    """Venue collection."""

    @blp.arguments(VenueListArgs, location="query")
    @blp.response(200, VenueSchema(many=True))
    @errors(blp, 401)
    @blp.paginate(page_size=50, max_page_size=200)
    def get(self, filters: dict[str, Any], pagination_parameters: Any) -> list[Venue]:
        """List venues."""
        query = service.list_query(current_principal(), filters)
        return page_of(db.session, query, pagination_parameters, [Venue.id])

    @blp.arguments(VenueInSchema)
    @blp.response(201, VenueSchema)
    @errors(blp, 401, 403, 409)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a venue."""
        return with_etag(service.create(db.session, current_principal(), data))


@blp.route("/<int:venue_id>")
class VenueItem(MethodView):
    """One venue."""

    @blp.response(200, VenueSchema)
    @errors(blp, 401, 404)
    def get(self, venue_id: int) -> Any:
        """Read a venue."""
        return with_etag(service.get(db.session, current_principal(), venue_id))

    @blp.arguments(patch_of(VenueInSchema))
    @blp.response(200, VenueSchema)
    @errors(blp, 401, 403, 404, 409, 412)
    def patch(self, data: dict[str, Any], venue_id: int) -> Any:
        """Change a venue."""
        venue = service.get(db.session, current_principal(), venue_id)
        check_if_match(venue)
        return with_etag(service.update(db.session, current_principal(), venue, data))

    @blp.response(204)
    @errors(blp, 401, 403, 404, 409, 412)
    def delete(self, venue_id: int) -> None:
        """Delete a venue."""
        venue = service.get(db.session, current_principal(), venue_id)
        check_if_match(venue)
        service.remove(db.session, current_principal(), venue)
