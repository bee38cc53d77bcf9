"""Venue and room operations (no Flask)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from registry.auth.principal import Principal
from registry.errors import Conflict
from registry.events import emit_change
from registry.i18n import t
from registry.models import Activity, Community, Room, Shift, Venue
from registry.records import assign, commit, ensure_exists, get_scoped, require_writer
from registry.venues.schemas import VenueInSchema


def list_query(principal: Principal, filters: dict[str, Any]) -> Select[Any]:
    """Venues visible to the caller, filtered."""
    query = select(Venue)
    scope = principal.community_scope()
    if scope is not None:
        query = query.where(Venue.community_id.in_(scope))
    for name in ("community_id", "kind"):
        if name in filters:
            query = query.where(getattr(Venue, name) == filters[name])
    if "q" in filters:
        query = query.where(Venue.name.contains(filters["q"], autoescape=True))
    return query


def _set_rooms(venue: Venue, rooms: list[dict[str, Any]]) -> bool:
    """Replace the rooms, keeping the row (and id) of a room whose name stays."""
    existing = {room.name: room for room in venue.rooms}
    wanted = []
    for data in rooms:
        room = existing.get(data["name"]) or Room(name=data["name"])
        room.kind, room.capacity = data.get("kind"), data.get("capacity")
        wanted.append(room)
    before = [(r.name, r.kind, r.capacity) for r in venue.rooms]
    venue.rooms = wanted
    return before != [(r.name, r.kind, r.capacity) for r in wanted]


def create(session: Session, principal: Principal, data: dict[str, Any]) -> Venue:
    """Create a venue in a community the caller runs."""
    require_writer(principal, data["community_id"])
    ensure_exists(session, Community, data["community_id"], "community_id")
    rooms = data.pop("rooms", [])
    venue = Venue(**data)
    _set_rooms(venue, rooms)
    session.add(venue)
    session.flush()
    emit_change(session, "venue", venue.id, "created", venue.community_id)
    commit(session)
    return venue


def get(session: Session, principal: Principal, venue_id: int) -> Venue:
    """A venue the caller may see."""
    return get_scoped(session, Venue, venue_id, principal)


def update(session: Session, principal: Principal, venue: Venue, data: dict[str, Any]) -> Venue:
    """Change a venue; the merged record is validated as a whole."""
    require_writer(principal, venue.community_id)
    schema = VenueInSchema()
    merged = schema.load({**schema.dump(venue), **_as_input(data)})
    if merged["community_id"] != venue.community_id:
        require_writer(principal, merged["community_id"])
        ensure_exists(session, Community, merged["community_id"], "community_id")
    rooms = merged.pop("rooms")
    changed = assign(venue, {k: v for k, v in merged.items() if k in data})
    if "rooms" in data and _set_rooms(venue, rooms):
        changed.append("rooms")
    if changed:
        session.flush()
        emit_change(session, "venue", venue.id, "updated", venue.community_id, changed)
    commit(session)
    return venue


def _as_input(data: dict[str, Any]) -> dict[str, Any]:
    """Loaded data back in wire form, so it can be merged and loaded again."""
    return VenueInSchema().dump(data)  # type: ignore[no-any-return]


def remove(session: Session, principal: Principal, venue: Venue) -> None:
    """Delete a venue no activity or shift uses."""
    require_writer(principal, venue.community_id)
    for model in (Activity, Shift):
        if session.scalar(select(model.id).where(model.venue_id == venue.id).limit(1)):
            raise Conflict(t("in_use"))
    emit_change(session, "venue", venue.id, "deleted", venue.community_id)
    session.delete(venue)
    commit(session)
