"""Load the demo county (registry.demo.county) idempotently: a second run changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from marshmallow import Schema
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.activities.schemas import ActivityInSchema
from registry.activities.service import generate_shifts
from registry.auth.principal import Principal
from registry.auth.service import hash_password
from registry.common import same_value
from registry.events import emit_change
from registry.models import (
    Activity,
    ActivityType,
    Calendar,
    Community,
    Grid,
    Pairing,
    User,
    Venue,
    Volunteer,
)
from registry.venues.schemas import VenueInSchema
from registry.venues.service import _set_rooms
from registry.volunteers.schemas import VolunteerInSchema

M = TypeVar("M")
SEEDER = Principal(user_id=0, role="admin")


def _upsert(
    session: Session,
    model: type[M],
    where: list[Any],
    values: dict[str, Any],
    entity: str,
    community: Callable[[M], int | None],
    extra: Callable[[M], dict[str, Any]] | None = None,
) -> tuple[M, bool]:
    """Insert or update one record by its natural key; emit an event only when it changed."""
    obj = session.scalars(select(model).where(*where)).first()
    created = obj is None
    if obj is None:
        obj = model(**values)
        session.add(obj)
        changed = list(values)
    else:
        changed = [k for k, v in values.items() if not same_value(getattr(obj, k), v)]
        for key in changed:
            setattr(obj, key, values[key])
    if changed:
        session.flush()
        emit_change(
            session,
            entity,
            obj.id,  # type: ignore[attr-defined]
            "created" if created else "updated",
            community(obj),
            [] if created else changed,
            **(extra(obj) if extra else {}),
        )
    return obj, bool(changed)


def _load(schema: Schema, row: dict[str, Any]) -> dict[str, Any]:
    return schema.load(row)  # type: ignore[return-value]


def seed_demo(session: Session, demo: dict[str, Any] | None = None) -> dict[str, int]:
    """Insert or update the demo county; return how many records each kind has."""
    if demo is None:
        from registry.demo.county import build_demo_county  # noqa: PLC0415

        demo = build_demo_county()
    communities = _communities(session, demo)
    grids = _grids(session, demo, communities)
    venues, rooms = _venues(session, demo, communities)
    _activity_types(session, demo, communities)
    volunteers = _volunteers(session, demo, communities, grids, venues)
    activities = _activities(session, demo, communities, venues, rooms)
    _calendar(session, demo)
    users = _users(session, demo, communities, volunteers)
    session.commit()
    shifts = 0
    for activity_id in activities.values():
        activity = session.get(Activity, activity_id)
        assert activity is not None
        rec = activity.recurrence
        result = generate_shifts(
            session,
            SEEDER,
            activity,
            date.fromisoformat(rec["start_date"]),
            date.fromisoformat(rec["end_date"]),
        )
        shifts += result["created"] + result["kept"]
    return {
        "communities": len(communities),
        "grids": len(grids),
        "venues": len(venues),
        "volunteers": len(volunteers),
        "activities": len(activities),
        "shifts": shifts,
        "users": users,
    }


def _communities(session: Session, demo: dict[str, Any]) -> dict[str, int]:
    ids = {}
    for row in demo["communities"]:
        obj, _ = _upsert(
            session,
            Community,
            [Community.code == row["code"]],
            dict(row),
            "community",
            lambda c: c.id,
        )
        ids[row["code"]] = obj.id
    for pair in demo.get("pairings", []):
        low, high = sorted((ids[pair["community"]], ids[pair["partner"]]))
        existing = session.scalars(
            select(Pairing).where(Pairing.community_id == low, Pairing.partner_id == high)
        ).first()
        if existing is None or existing.kind != pair["kind"]:
            if existing is None:
                session.add(Pairing(community_id=low, partner_id=high, kind=pair["kind"]))
            else:
                existing.kind = pair["kind"]
            for cid in (low, high):
                emit_change(session, "community", cid, "updated", cid, ["pairings"])
    return ids


def _grids(session: Session, demo: dict[str, Any], communities: dict[str, int]) -> dict[str, int]:
    ids = {}
    for row in demo["grids"]:
        cid = communities[row["community"]]
        values = {
            "community_id": cid,
            "name": row["name"],
            "households": row.get("households"),
            "station": row.get("station"),
        }
        obj, _ = _upsert(
            session,
            Grid,
            [Grid.community_id == cid, Grid.name == row["name"]],
            values,
            "grid",
            lambda g: g.community_id,
        )
        ids[row["ref"]] = obj.id
    return ids


def _venues(
    session: Session, demo: dict[str, Any], communities: dict[str, int]
) -> tuple[dict[str, int], dict[str, int]]:
    schema = VenueInSchema()
    venue_ids, room_ids = {}, {}
    for row in demo["venues"]:
        cid = communities[row["community"]]
        wire = {k: v for k, v in row.items() if k not in ("ref", "community", "rooms")}
        wire["community_id"] = cid
        wire["rooms"] = [{k: v for k, v in r.items() if k != "ref"} for r in row["rooms"]]
        data = _load(schema, wire)
        room_rows = data.pop("rooms")
        existed = (
            session.scalars(
                select(Venue.id).where(Venue.community_id == cid, Venue.name == data["name"])
            ).first()
            is not None
        )
        obj, _ = _upsert(
            session,
            Venue,
            [Venue.community_id == cid, Venue.name == data["name"]],
            data,
            "venue",
            lambda v: v.community_id,
        )
        rooms_changed = _set_rooms(obj, room_rows)
        session.flush()  # give new rooms their ids
        if rooms_changed and existed:
            emit_change(session, "venue", obj.id, "updated", cid, ["rooms"])
        venue_ids[row["ref"]] = obj.id
        by_name = {room.name: room.id for room in obj.rooms}
        for room in row["rooms"]:
            room_ids[room["ref"]] = by_name[room["name"]]
    return venue_ids, room_ids


def _activity_types(session: Session, demo: dict[str, Any], communities: dict[str, int]) -> None:
    for row in demo.get("activity_types", []):
        values = {k: v for k, v in row.items() if k not in ("community", "ref")}
        values["community_id"] = communities[row["community"]] if row.get("community") else None
        _upsert(
            session,
            ActivityType,
            [ActivityType.code == row["code"]],
            values,
            "activity_type",
            lambda t: t.community_id,
        )


def _volunteers(
    session: Session,
    demo: dict[str, Any],
    communities: dict[str, int],
    grids: dict[str, int],
    venues: dict[str, int],
) -> dict[str, int]:
    schema = VolunteerInSchema()
    ids: dict[str, int] = {}
    rows = demo["volunteers"]
    # Two passes: partner preferences refer to volunteers that may come later.
    for final in (False, True):
        for row in rows:
            wire = {k: v for k, v in row.items() if k not in ("ref", "community", "grid")}
            wire["community_id"] = communities[row["community"]]
            wire["grid_id"] = grids.get(row["grid"]) if row.get("grid") else None
            prefs = row.get("preferences") or {}
            wire["preferences"] = {
                "venue_ids": [venues[v] for v in prefs.get("venues", [])],
                "avoid_venue_ids": [venues[v] for v in prefs.get("avoid_venues", [])],
                "partner_ids": [ids[p] for p in prefs.get("partners", []) if p in ids]
                if final
                else [],
            }
            # Field checks only: the demo keeps two minors whose guardian consent is still
            # pending, which the API refuses but the scheduler must learn to leave out.
            data = schema.load(wire, partial=True)
            where = [
                Volunteer.community_id == data["community_id"],
                Volunteer.phone == data["phone"],
            ]
            if not final and session.scalars(select(Volunteer.id).where(*where)).first():
                ids[row["ref"]] = session.scalars(select(Volunteer.id).where(*where)).one()
                continue
            obj, _ = _upsert(
                session,
                Volunteer,
                where,
                data,
                "volunteer",
                lambda v: v.community_id,
                lambda v: {"active": v.active},
            )
            ids[row["ref"]] = obj.id
    return ids


def _activities(
    session: Session,
    demo: dict[str, Any],
    communities: dict[str, int],
    venues: dict[str, int],
    rooms: dict[str, int],
) -> dict[str, int]:
    schema = ActivityInSchema()
    ids = {}
    for row in demo["activities"]:
        wire = {k: v for k, v in row.items() if k not in ("ref", "community", "venue", "room")}
        wire.update(
            community_id=communities[row["community"]],
            venue_id=venues[row["venue"]],
            room_id=rooms[row["room"]] if row.get("room") else None,
        )
        data = _load(schema, wire)
        # Several one-off activities share a name; the series start and time tell them apart.
        same = session.scalars(
            select(Activity)
            .where(
                Activity.community_id == data["community_id"],
                Activity.venue_id == data["venue_id"],
                Activity.name == data["name"],
                Activity.type_code == data["type_code"],
                Activity.start_time == data["start_time"],
            )
            .order_by(Activity.id)
        )
        match = next(
            (
                a
                for a in same
                if a.recurrence.get("start_date") == data["recurrence"]["start_date"]
                and a.room_id == data["room_id"]
            ),
            None,
        )
        obj, _ = _upsert(
            session,
            Activity,
            [Activity.id == (match.id if match else 0)],
            data,
            "activity",
            lambda a: a.community_id,
        )
        ids[row["ref"]] = obj.id
    return ids


def _calendar(session: Session, demo: dict[str, Any]) -> None:
    row = demo.get("calendar")
    if not row:
        return
    values = {
        k: row.get(k, []) for k in ("holidays", "workdays", "terms", "breaks", "confirmed_years")
    }
    values["region"] = row["region"]
    _upsert(
        session, Calendar, [Calendar.region == row["region"]], values, "calendar", lambda c: None
    )


def _users(
    session: Session,
    demo: dict[str, Any],
    communities: dict[str, int],
    volunteers: dict[str, int],
) -> int:
    count = 0
    hashes: dict[str, str] = {}  # the demo accounts share a password; hash it once
    for row in demo.get("users", []):
        count += 1
        if session.scalars(select(User.id).where(User.username == row["username"])).first():
            continue  # never reset a password someone may have changed
        if row["password"] not in hashes:
            hashes[row["password"]] = hash_password(row["password"])
        user = User(
            username=row["username"],
            password_hash=hashes[row["password"]],
            role=row["role"],
            community_ids=sorted(communities[c] for c in row.get("communities") or [])
            if row["role"] == "coordinator"
            else [],
            volunteer_id=volunteers[row["volunteer"]] if row.get("volunteer") else None,
            active=row.get("active", True),
        )
        session.add(user)
        session.flush()
        emit_change(session, "user", user.id, "created", None)
    return count


__all__ = ["seed_demo"]
