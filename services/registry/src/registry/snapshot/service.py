"""Build the planning snapshot in one transaction (REPEATABLE READ on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, selectinload

from registry.auth.principal import Principal
from registry.communities.service import pairings_of, partners_of
from registry.errors import Forbidden, NotFound
from registry.i18n import t
from registry.models import Activity, ActivityType, Community, Shift, Venue, Volunteer
from registry.volunteers.schemas import VolunteerInSchema

REQUIREMENTS = (
    "type_code",
    "name",
    "min_age",
    "max_age",
    "requires_vetting",
    "requires_insurance",
    "requires_party_lead",
    "children_present",
    "expected_pupils",
    "priority",
    "group_label",
    "radius_km",
)
ATTEMPTS = 3
VOLUNTEER_FIELDS = tuple(
    name
    for name in VolunteerInSchema().fields
    if name not in ("phone", "id_number", "guardian_name", "contact_channels")
)


def authorise(principal: Principal, community_ids: list[int]) -> None:
    """Services and admins may read any snapshot; coordinators only of their communities."""
    if principal.role in ("admin", "service"):
        return
    if principal.role != "coordinator":
        raise Forbidden(t("403"))
    if not set(community_ids) <= principal.community_ids:
        raise NotFound(t("404"))


def build_snapshot(
    engine: Engine, community_ids: list[int], start: date, end: date, *, mark_planned: bool
) -> dict[str, Any]:
    """Read communities, venues, volunteers and shifts at one point in time."""
    options: dict[str, Any] = (
        {"isolation_level": "REPEATABLE READ"}
        if engine.dialect.name == "postgresql"
        else {"sqlite_begin": "BEGIN IMMEDIATE"}
    )
    for attempt in range(ATTEMPTS):
        try:
            with engine.connect().execution_options(**options) as connection:
                with Session(bind=connection, expire_on_commit=False) as session, session.begin():
                    return _read(session, sorted(set(community_ids)), start, end, mark_planned)
        except OperationalError as exc:
            # A concurrent change to the same shifts aborts a REPEATABLE READ transaction
            # (SQLSTATE 40001); reading again gives a newer, equally consistent snapshot.
            if getattr(exc.orig, "sqlstate", None) != "40001" or attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _read(
    session: Session, requested: list[int], start: date, end: date, mark_planned: bool
) -> dict[str, Any]:
    snapshot_at = datetime.now(UTC)
    found = list(session.scalars(select(Community).where(Community.id.in_(requested))))
    if len(found) != len(requested):
        raise NotFound(t("404"))
    partners = partners_of(session, set(requested))
    communities = list(
        session.scalars(
            select(Community)
            .where(Community.id.in_(set(requested) | partners))
            .order_by(Community.id)
        )
    )
    venues = list(
        session.scalars(
            select(Venue)
            .options(selectinload(Venue.rooms))
            .where(Venue.community_id.in_(set(requested) | partners))
            .order_by(Venue.id)
        )
    )
    volunteers = list(
        session.scalars(
            select(Volunteer)
            .where(
                Volunteer.active.is_(True), Volunteer.community_id.in_(set(requested) | partners)
            )
            .order_by(Volunteer.id)
        )
    )
    shifts = list(
        session.scalars(
            select(Shift)
            .where(
                Shift.community_id.in_(requested),
                Shift.status == "scheduled",
                Shift.date >= start,
                Shift.date <= end,
            )
            .order_by(Shift.date, Shift.start_time, Shift.id)
        )
    )
    activities = {
        a.id: a
        for a in session.scalars(
            select(Activity).where(Activity.id.in_({s.activity_id for s in shifts}))
        )
    }
    codes = {a.type_code for a in activities.values()}
    types = list(
        session.scalars(
            select(ActivityType).where(ActivityType.code.in_(codes)).order_by(ActivityType.id)
        )
    )
    if mark_planned and shifts:
        ids = [s.id for s in shifts if not s.planned]
        for chunk in range(0, len(ids), 500):
            session.execute(
                update(Shift)
                .where(Shift.id.in_(ids[chunk : chunk + 500]))
                .values(planned=True, version=Shift.version + 1)
                .execution_options(synchronize_session=False)
            )
    return {
        "snapshot_at": snapshot_at,
        "start": start,
        "end": end,
        "community_ids": requested,
        "communities": [
            {
                "id": c.id,
                "code": c.code,
                "name": c.name,
                "district": c.district,
                "calendar_region": c.calendar_region,
                "requested": c.id in requested,
                "pairings": pairings_of(session, c.id),
            }
            for c in communities
        ],
        "venues": venues,
        "volunteers": [
            {"id": v.id, **{name: getattr(v, name) for name in VOLUNTEER_FIELDS}}
            for v in volunteers
        ],
        "shifts": [_shift(s, activities.get(s.activity_id)) for s in shifts],
        "activity_types": [
            {
                "code": at.code,
                "name_zh": at.name_zh,
                "name_en": at.name_en,
                "default_skill": at.default_skill,
                "children_present": at.children_present,
                "outreach": at.outreach,
                "risky": at.risky,
                "community_id": at.community_id,
            }
            for at in types
        ],
    }


def _shift(shift: Shift, activity: Activity | None) -> dict[str, Any]:
    requirements: dict[str, Any] = {}
    if activity is not None:
        requirements = {name: getattr(activity, name) for name in REQUIREMENTS}
    return {
        "id": shift.id,
        "activity_id": shift.activity_id,
        "community_id": shift.community_id,
        "venue_id": shift.venue_id,
        "room_id": shift.room_id,
        "date": shift.date,
        "start_time": shift.start_time,
        "end_time": shift.end_time,
        "needs": shift.needs or [],
        "activity": requirements,
    }


__all__ = ["authorise", "build_snapshot"]
