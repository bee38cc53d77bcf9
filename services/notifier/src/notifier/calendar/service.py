"""Build a volunteer's feed from the notifier's copy of their assignments."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from notifier.alerts import aware
from notifier.domain.ical import CalendarEvent, build_calendar
from notifier.domain.shifts import shift_bounds
from notifier.domain.templates import format_when, language_of
from notifier.models import Assignment, ChannelSettings


def feed(session: Session, cs: ChannelSettings, settings: dict[str, Any]) -> str:
    """All of the volunteer's assignments, cancelled ones included, as iCalendar text."""
    tz = settings["TIMEZONE"]
    language = language_of(cs.language)
    rows = session.scalars(
        sa.select(Assignment).where(Assignment.volunteer_id == cs.volunteer_id)
        .order_by(Assignment.starts_at, Assignment.assignment_id)
    ).all()
    events = []
    for row in rows:
        start, end = shift_bounds(row.shift, tz)
        shift = row.shift
        location = "，".join(p for p in (shift.get("venue_name"), shift.get("venue_address")) if p)
        label = "岗位" if language == "zh-CN" else "Role"
        events.append(CalendarEvent(
            uid=f"assignment-{row.assignment_id}@linli",
            sequence=row.sequence, start=start, end=end,
            summary=str(shift.get("activity_name") or shift.get("activity_type")),
            location=location,
            description=f"{label}: {row.role}\n{format_when(shift, language)}",
            cancelled=row.status == "cancelled", updated=aware(row.updated_at),
        ))
    name = "邻里志愿服务" if language == "zh-CN" else "Linli volunteering"
    return build_calendar(events, name=name, tzid=tz)
