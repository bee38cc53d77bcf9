"""HTTP endpoints of communities and pairings."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from registry.auth.principal import current_principal
from registry.common import check_if_match, errors, page_of, patch_of, with_etag
from registry.communities import service
from registry.communities.schemas import (
    CommunityInSchema,
    CommunityListArgs,
    CommunitySchema,
    PairingSchema,
)
from registry.db import db
from registry.models import Community

blp = Blueprint(
    "Communities", __name__, url_prefix="/communities", description="社区与结对 Communities"
)


@blp.route("")
class Communities(MethodView):
    """Community collection."""

    @blp.arguments(CommunityListArgs, location="query")
    @blp.response(200, CommunitySchema(many=True))
    @errors(blp, 401)
    @blp.paginate(page_size=50, max_page_size=200)
    def get(self, filters: dict[str, Any], pagination_parameters: Any) -> list[Community]:
        """List the communities visible to the caller."""
        session = db.session
        items = page_of(
            session,
            service.list_query(current_principal(), filters),
            pagination_parameters,
            [Community.id],
        )
        return [service.with_pairings(session, c) for c in items]

    @blp.arguments(CommunityInSchema)
    @blp.response(201, CommunitySchema)
    @errors(blp, 401, 403, 409)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a community (admins)."""
        community = service.create(db.session, current_principal(), data)
        return with_etag(service.with_pairings(db.session, community))


@blp.route("/<int:community_id>")
class CommunityItem(MethodView):
    """One community."""

    @blp.response(200, CommunitySchema)
    @errors(blp, 401, 404)
    def get(self, community_id: int) -> Any:
        """Read a community."""
        community = service.get(db.session, current_principal(), community_id)
        return with_etag(service.with_pairings(db.session, community))

    @blp.arguments(patch_of(CommunityInSchema))
    @blp.response(200, CommunitySchema)
    @errors(blp, 401, 403, 404, 409, 412)
    def patch(self, data: dict[str, Any], community_id: int) -> Any:
        """Change a community (send If-Match to guard against lost updates)."""
        community = service.get(db.session, current_principal(), community_id)
        check_if_match(community)
        community = service.update(db.session, current_principal(), community, data)
        return with_etag(service.with_pairings(db.session, community))

    @blp.response(204)
    @errors(blp, 401, 403, 404, 409, 412)
    def delete(self, community_id: int) -> None:
        """Delete a community that nothing refers to (admins)."""
        community = service.get(db.session, current_principal(), community_id)
        check_if_match(community)
        service.remove(db.session, current_principal(), community)


@blp.route("/<int:community_id>/pairings")
class Pairings(MethodView):
    """Pairings of a community."""

    @blp.response(200, PairingSchema(many=True))
    @errors(blp, 401, 404)
    def get(self, community_id: int) -> list[dict[str, Any]]:
        """List the community's pairings."""
        community = service.get(db.session, current_principal(), community_id)
        return service.pairings_of(db.session, community.id)

    @blp.arguments(PairingSchema)
    @blp.response(201, CommunitySchema)
    @errors(blp, 401, 403, 404, 409, 412)
    def post(self, data: dict[str, Any], community_id: int) -> Any:
        """Pair the community with another (结对共建 / 友好社区)."""
        community = service.get(db.session, current_principal(), community_id)
        return service.add_pairing(
            db.session, current_principal(), community, data["partner_id"], data["kind"]
        )


@blp.route("/<int:community_id>/pairings/<int:partner_id>")
class PairingItem(MethodView):
    """One pairing."""

    @blp.response(204)
    @errors(blp, 401, 403, 404, 409, 412)
    def delete(self, community_id: int, partner_id: int) -> None:
        """Remove a pairing."""
        community = service.get(db.session, current_principal(), community_id)
        service.remove_pairing(db.session, current_principal(), community, partner_id)
