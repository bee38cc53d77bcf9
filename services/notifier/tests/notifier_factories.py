"""Builders of realistic events and channel settings for the tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from linli_contracts.envelope import Envelope, make_event


def shift(day: date, *, shift_id: int = 1, start: str = "16:30", end: str = "18:00",
          **extra: Any) -> dict[str, Any]:
    """A 四点半课堂 shift at a neighbourhood centre."""
    return {
        "id": shift_id, "date": day.isoformat(), "start": start, "end": end,
        "activity_type": "after_school", "activity_name": "四点半课堂",
        "venue_id": 3, "venue_name": "星光社区邻里中心", "venue_address": "幸福路8号",
        "community_id": 7, **extra,
    }


def assigned(assignment_id: int, volunteer_id: int, *, plan_id: int = 1, version: int = 1,
             day: date | None = None, **shift_extra: Any) -> Envelope:
    """An `assignment.assigned` event."""
    day = day or date.today() + timedelta(days=10)
    return make_event("assignment.assigned", {
        "assignment_id": assignment_id, "plan_id": plan_id, "plan_version": version,
        "volunteer_id": volunteer_id, "role": "tutor",
        "shift": shift(day, shift_id=assignment_id, **shift_extra),
    })


def published(plan_id: int, version: int, count: int) -> Envelope:
    """A `plan.published` event announcing `count` assignments."""
    today = date.today()
    return make_event("plan.published", {
        "plan_id": plan_id, "version": version, "community_ids": [7],
        "period_start": today.isoformat(), "period_end": (today + timedelta(days=30)).isoformat(),
        "assignment_count": count,
    })
