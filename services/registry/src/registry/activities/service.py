"""Activity operations and shift generation (no Flask)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from registry.activities.schemas import ActivityInSchema, activity_rule_errors
from registry.activity_types.service import visible_codes
from registry.auth.principal import Principal
from registry.calendars.service import region_calendar
from registry.domain.calendar import CalendarNotConfirmed
from registry.domain.recurrence import (
    ExistingShift,
    Recurrence,
    RecurrenceError,
    occurrence_dates,
    plan_shift_sync,
)
from registry.errors import Conflict, Invalid
from registry.events import emit_change, emit_event
from registry.i18n import t, wants_english
from registry.models import Activity, Community, Room, Shift, Venue
from registry.records import assign, commit, get_scoped, require_writer

FIELDS = tuple(ActivityInSchema().fields)


def list_query(principal: Principal, filters: dict[str, Any]) -> Select[Any]:
    """Activities visible to the caller, filtered."""
    query = select(Activity)
    scope = principal.community_scope()
    if scope is not None:
        query = query.where(Activity.community_id.in_(scope))
    if filters.get("community_id"):
        query = query.where(Activity.community_id.in_(filters["community_id"]))
    for name in ("venue_id", "type_code"):
        if name in filters:
            query = query.where(getattr(Activity, name) == filters[name])
    if "q" in filters:
        query = query.where(Activity.name.contains(filters["q"], autoescape=True))
    return query


def get(session: Session, principal: Principal, activity_id: int) -> Activity:
    """An activity the caller may see."""
    return get_scoped(session, Activity, activity_id, principal)


def _stored(data: dict[str, Any]) -> dict[str, Any]:
    """Recurrence dates as ISO strings for the JSON column."""
    out = dict(data)
    if "recurrence" in out:
        rec = dict(out["recurrence"])
        for key in ("start_date", "end_date"):
            if isinstance(rec.get(key), date):
                rec[key] = rec[key].isoformat()
        rec["weekdays"] = sorted(set(rec.get("weekdays") or []))
        out["recurrence"] = rec
    return out


def _check(session: Session, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = dict(activity_rule_errors(data))
    if session.get(Community, data["community_id"]) is None:
        errors["community_id"] = [t("404")]
    venue = session.get(Venue, data["venue_id"])
    if venue is None or venue.community_id != data["community_id"]:
        errors["venue_id"] = ["场地不属于该社区 venue not in the community"]
    room_id = data.get("room_id")
    if room_id is not None:
        room = session.get(Room, room_id)
        if room is None or room.venue_id != data["venue_id"]:
            errors["room_id"] = ["房间不属于该场地 room not in the venue"]
    if data["type_code"] not in visible_codes(session, data["community_id"]):
        errors["type_code"] = ["未知的活动类型 unknown activity type"]
    if errors:
        raise Invalid(t("422"), {"json": errors})


def create(session: Session, principal: Principal, data: dict[str, Any]) -> Activity:
    """Create an activity (its shifts come from generate_shifts)."""
    require_writer(principal, data["community_id"])
    _check(session, data)
    activity = Activity(**_stored(data))
    session.add(activity)
    session.flush()
    emit_change(session, "activity", activity.id, "created", activity.community_id)
    commit(session)
    return activity


def current_input(activity: Activity) -> dict[str, Any]:
    """The stored activity in loaded form."""
    data = {name: getattr(activity, name) for name in FIELDS}
    data["recurrence"] = dict(activity.recurrence)
    return data


def update(
    session: Session, principal: Principal, activity: Activity, patch: dict[str, Any]
) -> Activity:
    """Change an activity; regenerate shifts afterwards to apply a new series."""
    require_writer(principal, activity.community_id)
    if "community_id" in patch:
        require_writer(principal, patch["community_id"])
    merged = {**current_input(activity), **patch}
    _check(session, merged)
    changed = assign(activity, _stored(patch))
    if changed:
        session.flush()
        emit_change(session, "activity", activity.id, "updated", activity.community_id, changed)
    commit(session)
    return activity


def remove(session: Session, principal: Principal, activity: Activity) -> None:
    """Delete an activity whose shifts have no history (others: cancel it instead)."""
    require_writer(principal, activity.community_id)
    shifts = list(session.scalars(select(Shift).where(Shift.activity_id == activity.id)))
    if any(s.edited or s.planned or s.cancelled_by_hand for s in shifts):
        raise Conflict(t("in_use"))
    for shift in shifts:
        session.delete(shift)
    emit_change(session, "activity", activity.id, "deleted", activity.community_id)
    session.delete(activity)
    commit(session)


def generate_shifts(
    session: Session, principal: Principal, activity: Activity, start: date, end: date
) -> dict[str, Any]:
    """Create, keep or cancel the activity's shifts in [start, end]; idempotent."""
    require_writer(principal, activity.community_id)
    if session.get_bind().dialect.name == "postgresql":
        # Serialise concurrent generations of one activity.
        session.execute(select(Activity.id).where(Activity.id == activity.id).with_for_update())
    desired = _desired_slots(session, activity, start, end)
    existing_rows = list(
        session.scalars(
            select(Shift).where(
                Shift.activity_id == activity.id, Shift.date >= start, Shift.date <= end
            )
        )
    )
    existing = [
        ExistingShift(
            id=s.id,
            date=s.date,
            start=s.start_time,
            end=s.end_time,
            has_history=s.edited or s.planned or s.cancelled_by_hand,
            cancelled=s.status == "cancelled",
        )
        for s in existing_rows
    ]
    sync = plan_shift_sync(desired, existing)
    by_id = {s.id: s for s in existing_rows}
    for shift_id in sync.cancel:
        by_id[shift_id].status = "cancelled"
    for day, start_time, end_time in sync.create:
        session.add(
            Shift(
                activity_id=activity.id,
                community_id=activity.community_id,
                venue_id=activity.venue_id,
                room_id=activity.room_id,
                date=day,
                start_time=start_time,
                end_time=end_time,
                needs=list(activity.needs or []),
                status="scheduled",
            )
        )
    session.flush()
    result = {
        "activity_id": activity.id,
        "community_id": activity.community_id,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "created": len(sync.create),
        "kept": len(sync.keep),
        "cancelled": len(sync.cancel),
    }
    if sync.create or sync.cancel:
        emit_event(session, "registry.shifts.generated", result)
    commit(session)
    return {**result, "start_date": start, "end_date": end}


def _desired_slots(
    session: Session, activity: Activity, start: date, end: date
) -> list[tuple[date, Any, Any]]:
    rec = activity.recurrence
    first = max(start, date.fromisoformat(rec["start_date"]))
    last = min(end, date.fromisoformat(rec["end_date"]))
    if last < first:
        return []
    try:
        rule = Recurrence(rec["kind"], first, last, tuple(rec.get("weekdays") or ()))
        calendar = None
        if rule.kind == "school_days":
            community = session.get(Community, activity.community_id)
            calendar = region_calendar(session, community.calendar_region if community else "CN")
        days = occurrence_dates(rule, calendar)
    except CalendarNotConfirmed as exc:
        message = exc.message_en if wants_english() else exc.message
        raise Invalid(
            message,
            {
                "calendar": {
                    "region": exc.region,
                    "years": list(exc.years),
                    "missing_terms": [[a.isoformat(), b.isoformat()] for a, b in exc.missing_terms],
                }
            },
        ) from exc
    except RecurrenceError as exc:
        raise Invalid(
            exc.message_for("en" if wants_english() else "zh-CN"),
            {"json": {"recurrence": [exc.message]}},
        ) from exc
    return [(d, activity.start_time, activity.end_time) for d in days]
