"""HTTP endpoints of grids."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from registry.auth.principal import current_principal
from registry.common import check_if_match, errors, page_of, patch_of, with_etag
from registry.db import db
from registry.grids import service
from registry.grids.schemas import GridInSchema, GridListArgs, GridSchema
from registry.models import Grid

blp = Blueprint("Grids", __name__, url_prefix="/grids", description="网格 Grids")


@blp.route("")
class Grids(MethodView):
    """Grid collection."""

    @blp.arguments(GridListArgs, location="query")
    @blp.response(200, GridSchema(many=True))
    @errors(blp, 401)
    @blp.paginate(page_size=50, max_page_size=200)
    def get(self, filters: dict[str, Any], pagination_parameters: Any) -> list[Grid]:
        """List grids."""
        query = service.list_query(current_principal(), filters)
        return page_of(db.session, query, pagination_parameters, [Grid.id])

    @blp.arguments(GridInSchema)
    @blp.response(201, GridSchema)
    @errors(blp, 401, 403, 409)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a grid."""
        return with_etag(service.create(db.session, current_principal(), data))


@blp.route("/<int:grid_id>")
class GridItem(MethodView):
    """One grid."""

    @blp.response(200, GridSchema)
    @errors(blp, 401, 404)
    def get(self, grid_id: int) -> Any:
        """Read a grid."""
        return with_etag(service.get(db.session, current_principal(), grid_id))

    @blp.arguments(patch_of(GridInSchema))
    @blp.response(200, GridSchema)
    @errors(blp, 401, 403, 404, 409, 412)
    def patch(self, data: dict[str, Any], grid_id: int) -> Any:
        """Change a grid."""
        grid = service.get(db.session, current_principal(), grid_id)
        check_if_match(grid)
        return with_etag(service.update(db.session, current_principal(), grid, data))

    @blp.response(204)
    @errors(blp, 401, 403, 404, 409, 412)
    def delete(self, grid_id: int) -> None:
        """Delete a grid."""
        grid = service.get(db.session, current_principal(), grid_id)
        check_if_match(grid)
        service.remove(db.session, current_principal(), grid)
