"""Shift operations (no Flask): scoped reads, hand edits, cancellation, import, export."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from registry.activities.schemas import activity_rule_errors
from registry.activity_types.service import visible_codes
from registry.auth.principal import Principal
from registry.errors import Forbidden, Invalid
from registry.events import emit_change
from registry.i18n import t
from registry.models import Activity, Community, Room, Shift, Venue
from registry.records import commit, get_scoped, require_writer


def list_query(principal: Principal, filters: dict[str, Any]) -> Select[Any]:
    """Shifts visible to the caller, filtered by community, venue, dates and status."""
    query = select(Shift)
    scope = principal.community_scope()
    if scope is not None:
        query = query.where(Shift.community_id.in_(scope))
    if filters.get("community_id"):
        query = query.where(Shift.community_id.in_(filters["community_id"]))
    for name in ("venue_id", "activity_id", "status", "planned"):
        if name in filters:
            query = query.where(getattr(Shift, name) == filters[name])
    if "start" in filters:
        query = query.where(Shift.date >= filters["start"])
    if "end" in filters:
        query = query.where(Shift.date <= filters["end"])
    return query


ORDER = (Shift.date, Shift.start_time, Shift.id)


def get(session: Session, principal: Principal, shift_id: int) -> Shift:
    """A shift the caller may see."""
    return get_scoped(session, Shift, shift_id, principal)


def update(session: Session, principal: Principal, shift: Shift, patch: dict[str, Any]) -> Shift:
    """Change a shift by hand; it is marked edited so regeneration keeps it."""
    require_writer(principal, shift.community_id)
    start = patch.get("start_time", shift.start_time)
    end = patch.get("end_time", shift.end_time)
    errors: dict[str, list[str]] = {}
    if start >= end:
        errors["end_time"] = ["结束时间须晚于开始时间 must be after start_time"]
    venue_id = patch.get("venue_id", shift.venue_id)
    venue = session.get(Venue, venue_id)
    if venue is None or venue.community_id != shift.community_id:
        errors["venue_id"] = ["场地不属于该社区 venue not in the community"]
    room_id = patch.get("room_id", shift.room_id if "venue_id" not in patch else None)
    if room_id is not None:
        room = session.get(Room, room_id)
        if room is None or room.venue_id != venue_id:
            errors["room_id"] = ["房间不属于该场地 room not in the venue"]
    if errors:
        raise Invalid(t("422"), {"json": errors})
    patch = {**patch, "room_id": room_id}
    changed = [k for k, v in patch.items() if getattr(shift, k) != v]
    for key in changed:
        setattr(shift, key, patch[key])
    if changed:
        shift.edited = True
        session.flush()
        emit_change(session, "shift", shift.id, "updated", shift.community_id, changed)
    commit(session)
    return shift


def cancel(session: Session, principal: Principal, shift: Shift) -> Shift:
    """Cancel a shift by hand (regeneration never revives it)."""
    require_writer(principal, shift.community_id)
    if shift.status != "cancelled" or not shift.cancelled_by_hand:
        shift.status = "cancelled"
        shift.cancelled_by_hand = True
        session.flush()
        emit_change(
            session,
            "shift",
            shift.id,
            "updated",
            shift.community_id,
            ["status", "cancelled_by_hand"],
        )
    commit(session)
    return shift


def lookup_tables(
    session: Session, principal: Principal
) -> tuple[dict[str, int], dict[str, int], dict[str, str]]:
    """Community codes/names, venue names and activity type codes the caller may use."""
    scope = principal.community_scope()
    communities: dict[str, int] = {}
    for c in session.scalars(select(Community)):
        if scope is None or c.id in scope:
            communities[c.code] = c.id
            communities.setdefault(c.name, c.id)
    venues = {
        v.name: v.id
        for v in session.scalars(select(Venue))
        if v.community_id in communities.values()
    }
    codes: set[str] = set()
    for community_id in set(communities.values()):
        codes |= visible_codes(session, community_id)
    return communities, venues, {code: code for code in codes}


def _as_time(value: Any) -> time:
    return value if isinstance(value, time) else time.fromisoformat(str(value))


def import_rows(
    session: Session, principal: Principal, rows: list[dict[str, Any]], *, dry_run: bool
) -> dict[str, Any]:
    """One-off activities with one shift each: all rows or nothing (matched by name and slot)."""
    if principal.role not in ("admin", "coordinator"):
        raise Forbidden(t("403"))
    row_errors: list[dict[str, Any]] = []
    prepared = []
    for index, row in enumerate(rows):
        number = index + 2
        day = date.fromisoformat(str(row["date"]))
        data = {
            **row,
            "start_time": _as_time(row["start_time"]),
            "end_time": _as_time(row["end_time"]),
        }
        errors = activity_rule_errors(data)
        venue = session.get(Venue, data["venue_id"])
        if venue is None or venue.community_id != data["community_id"]:
            errors["venue_id"] = ["场地不属于该社区 venue not in the community"]
        if not principal.can_see_community(data["community_id"]) or principal.role not in (
            "admin",
            "coordinator",
        ):
            errors["community_id"] = ["不在您负责的社区范围内 outside your communities"]
        for column, reasons in errors.items():
            row_errors.extend({"row": number, "column": column, "reason": r} for r in reasons)
        prepared.append((day, data))
    if row_errors:
        raise Invalid(t("import_invalid"), {"rows": row_errors})
    created = updated = 0
    for day, data in prepared:
        if principal.role == "coordinator":
            require_writer(principal, data["community_id"])
        shift = session.scalars(
            select(Shift)
            .join(Activity, Activity.id == Shift.activity_id)
            .where(
                Activity.community_id == data["community_id"],
                Activity.name == data["name"],
                Activity.type_code == data["type_code"],
                Shift.date == day,
                Shift.start_time == data["start_time"],
                Shift.venue_id == data["venue_id"],
            )
        ).first()
        if shift is not None:
            activity = session.get(Activity, shift.activity_id)
            assert activity is not None
            activity.needs, activity.priority = data["needs"], data["priority"]
            activity.description = data.get("description")
            if shift.needs != data["needs"] or shift.end_time != data["end_time"]:
                shift.needs, shift.end_time, shift.edited = data["needs"], data["end_time"], True
                session.flush()
                emit_change(
                    session, "shift", shift.id, "updated", shift.community_id, ["needs", "end_time"]
                )
            updated += 1
            continue
        activity = Activity(
            community_id=data["community_id"],
            venue_id=data["venue_id"],
            type_code=data["type_code"],
            name=data["name"],
            description=data.get("description"),
            recurrence={
                "kind": "once",
                "start_date": day.isoformat(),
                "end_date": day.isoformat(),
                "weekdays": [],
            },
            start_time=data["start_time"],
            end_time=data["end_time"],
            needs=data["needs"],
            priority=data["priority"],
        )
        session.add(activity)
        session.flush()
        shift = Shift(
            activity_id=activity.id,
            community_id=activity.community_id,
            venue_id=activity.venue_id,
            date=day,
            start_time=activity.start_time,
            end_time=activity.end_time,
            needs=list(activity.needs),
            status="scheduled",
        )
        session.add(shift)
        session.flush()
        emit_change(session, "activity", activity.id, "created", activity.community_id)
        emit_change(session, "shift", shift.id, "created", shift.community_id)
        created += 1
    if dry_run:
        session.rollback()
    else:
        commit(session)
    return {"dry_run": dry_run, "created": created, "updated": updated, "rows": len(rows)}


def export_rows(
    session: Session, principal: Principal, filters: dict[str, Any]
) -> list[dict[str, Any]]:
    """Shifts the caller may see, with their activity's name, type and priority."""
    query = list_query(principal, filters).order_by(*ORDER)
    rows = []
    for shift in session.scalars(query):
        activity = session.get(Activity, shift.activity_id)
        rows.append(
            {
                "date": shift.date,
                "start_time": shift.start_time,
                "end_time": shift.end_time,
                "community_id": shift.community_id,
                "venue_id": shift.venue_id,
                "type_code": activity.type_code if activity else "",
                "name": activity.name if activity else "",
                "needs": shift.needs or [],
                "priority": activity.priority if activity else 3,
                "description": activity.description if activity else None,
            }
        )
    return rows
