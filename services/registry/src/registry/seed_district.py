"""Load the demo district (registry.demo.district) with bulk inserts, in one transaction.

Every record passes the same schemas the API uses, then each table is written with one
multi-row INSERT (ids come back with RETURNING, in the order sent), so ~3,000 volunteers and
~1,000 shifts load in seconds rather than the minutes one request per record would take.

The district is meant for load and scale checks on a fresh database: it writes no change
events (no consumer holds district data yet, and thousands of `created` events would only
flood the broker), and loading it a second time changes nothing. Demo users that already exist
(``admin``, ``scheduler`` from the county) are kept as they are.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from registry.activities.schemas import ActivityInSchema
from registry.auth.service import hash_password
from registry.models import (
    Activity,
    Calendar,
    Community,
    Grid,
    Pairing,
    Room,
    Shift,
    User,
    Venue,
    Volunteer,
)
from registry.venues.schemas import VenueInSchema
from registry.volunteers.schemas import VolunteerInSchema


def _insert(session: Session, model: type, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows in one statement; their new ids in the order of ``rows``."""
    if not rows:
        return []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]
    return [row.id for row in session.execute(statement, rows)]


def _counts(session: Session, district: str) -> dict[str, int]:
    ids = select(Community.id).where(Community.district == district).scalar_subquery()

    def count(model: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model)
                                  .where(model.community_id.in_(ids))) or 0)

    return {
        "communities": int(session.scalar(select(func.count()).where(
            Community.district == district)) or 0),
        "grids": count(Grid),
        "venues": count(Venue),
        "volunteers": count(Volunteer),
        "activities": count(Activity),
        "shifts": count(Shift),
    }


def seed_district(session: Session, demo: dict[str, Any] | None = None) -> dict[str, int]:
    """Insert the demo district unless it is there; return how many records each kind has."""
    if demo is None:
        from registry.demo.district import build_demo_district  # noqa: PLC0415

        demo = build_demo_district()
    first = demo["communities"][0]["code"]
    if session.scalar(select(Community.id).where(Community.code == first)) is None:
        _load(session, demo)
        session.commit()
    return _counts(session, demo["district"])


def _load(session: Session, demo: dict[str, Any]) -> None:
    codes = [c["code"] for c in demo["communities"]]
    communities = dict(zip(codes, _insert(session, Community, [
        {**c, "version": 1} for c in demo["communities"]]), strict=True))
    session.execute(insert(Pairing), [
        dict(zip(("community_id", "partner_id"),
                 sorted((communities[p["community"]], communities[p["partner"]])), strict=True),
             kind=p["kind"])
        for p in demo["pairings"]
    ])
    grids = dict(zip([g["ref"] for g in demo["grids"]], _insert(session, Grid, [
        {"community_id": communities[g["community"]], "name": g["name"],
         "households": g["households"], "station": g["station"], "version": 1}
        for g in demo["grids"]
    ]), strict=True))
    venues = _venues(session, demo["venues"], communities)
    volunteers = _volunteers(session, demo["volunteers"], communities, grids, venues)
    activities = _activities(session, demo["activities"], communities, venues)
    _shifts(session, demo["shifts"], activities)
    _calendar(session, demo["calendar"])
    _users(session, demo["users"], communities, volunteers)


def _venues(session: Session, rows: list[dict[str, Any]],
            communities: dict[str, int]) -> dict[str, int]:
    schema = VenueInSchema()
    loaded = []
    for row in rows:
        wire = {k: v for k, v in row.items() if k not in ("ref", "community", "rooms")}
        wire["community_id"] = communities[row["community"]]
        wire["rooms"] = [{k: v for k, v in r.items() if k != "ref"} for r in row["rooms"]]
        loaded.append(schema.load(wire))
    ids = _insert(session, Venue, [
        {**{k: v for k, v in data.items() if k != "rooms"}, "version": 1} for data in loaded])
    refs = {row["ref"]: venue_id for row, venue_id in zip(rows, ids, strict=True)}
    room_rows = [
        {"venue_id": venue_id, **room}
        for data, venue_id in zip(loaded, ids, strict=True) for room in data["rooms"]
    ]
    room_ids = iter(_insert(session, Room, room_rows))
    for row in rows:
        for room in row["rooms"]:
            refs[room["ref"]] = next(room_ids)
    return refs


def _volunteers(session: Session, rows: list[dict[str, Any]], communities: dict[str, int],
                grids: dict[str, int], venues: dict[str, int]) -> dict[str, int]:
    schema = VolunteerInSchema()
    loaded = []
    for row in rows:
        wire = {k: v for k, v in row.items() if k not in ("ref", "community", "grid")}
        prefs = row.get("preferences") or {}
        wire.update(
            community_id=communities[row["community"]],
            grid_id=grids[row["grid"]] if row.get("grid") else None,
            preferences={"venue_ids": [venues[v] for v in prefs.get("venues", [])],
                         "avoid_venue_ids": [venues[v] for v in prefs.get("avoid_venues", [])],
                         "partner_ids": []},
        )
        loaded.append({**schema.load(wire), "version": 1})
    ids = _insert(session, Volunteer, loaded)
    return {row["ref"]: vid for row, vid in zip(rows, ids, strict=True)}


def _activities(session: Session, rows: list[dict[str, Any]], communities: dict[str, int],
                venues: dict[str, int]) -> dict[str, dict[str, Any]]:
    schema = ActivityInSchema()
    loaded = []
    for row in rows:
        wire = {k: v for k, v in row.items() if k not in ("ref", "community", "venue", "room")}
        wire.update(
            community_id=communities[row["community"]],
            venue_id=venues[row["venue"]],
            room_id=venues[row["room"]] if row.get("room") else None,
        )
        loaded.append({**schema.load(wire), "version": 1})
    ids = _insert(session, Activity, loaded)
    return {row["ref"]: {**data, "id": aid}
            for row, data, aid in zip(rows, loaded, ids, strict=True)}


def _shifts(session: Session, rows: list[dict[str, Any]],
            activities: dict[str, dict[str, Any]]) -> None:
    def shift(row: dict[str, Any]) -> dict[str, Any]:
        activity = activities[row["activity"]]
        return {
            "activity_id": activity["id"],
            "community_id": activity["community_id"],
            "venue_id": activity["venue_id"],
            "room_id": activity["room_id"],
            "date": date.fromisoformat(row["date"]),
            "start_time": _time(activity["start_time"]),
            "end_time": _time(activity["end_time"]),
            "needs": list(activity["needs"]),
            "status": "scheduled",
            "edited": False,
            "planned": False,
            "cancelled_by_hand": False,
            "version": 1,
        }

    _insert(session, Shift, [shift(row) for row in rows])


def _time(value: time | str) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


def _calendar(session: Session, row: dict[str, Any]) -> None:
    if session.scalar(select(Calendar.id).where(Calendar.region == row["region"])) is None:
        session.execute(insert(Calendar), [{**row, "version": 1}])


def _users(session: Session, rows: list[dict[str, Any]], communities: dict[str, int],
           volunteers: dict[str, int]) -> None:
    hashes: dict[str, str] = {}
    for row in rows:
        if session.scalar(select(User.id).where(User.username == row["username"])):
            continue  # never reset a password someone may have changed
        if row["password"] not in hashes:
            hashes[row["password"]] = hash_password(row["password"])
        session.execute(insert(User), [{
            "username": row["username"],
            "password_hash": hashes[row["password"]],
            "role": row["role"],
            "community_ids": sorted(communities[c] for c in row["communities"]),
            "volunteer_id": volunteers[row["volunteer"]] if row.get("volunteer") else None,
            "active": row["active"],
            "version": 1,
        }])


__all__ = ["seed_district"]
