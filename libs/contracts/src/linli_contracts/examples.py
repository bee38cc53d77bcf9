"""One valid example payload for every message type, for tests and documentation."""

from __future__ import annotations

import copy
from typing import Any

_SHIFT = {
    "id": 301,
    "date": "2026-12-05",
    "start": "08:30",
    "end": "11:30",
    "activity_type": "elderly_visit",
    "activity_name": "周六探访独居老人",
    "venue_id": 12,
    "venue_name": "幸福里社区活动中心",
    "venue_address": "幸福路 88 号",
    "community_id": 7,
}


def _changed(entity: str) -> dict[str, Any]:
    return {"entity": entity, "id": 42, "action": "updated", "community_id": 7,
            "fields": ["name"]}


_EXAMPLES: dict[str, dict[str, Any]] = {
    **{
        f"registry.{entity}.changed": _changed(entity)
        for entity in (
            "community", "grid", "venue", "activity_type", "activity", "shift", "calendar",
            "user",
        )
    },
    "registry.volunteer.changed": {**_changed("volunteer"), "fields": ["skills"], "active": True},
    "registry.shifts.generated": {
        "activity_id": 5, "community_id": 7, "start_date": "2026-12-01",
        "end_date": "2026-12-31", "created": 8, "kept": 3, "cancelled": 1,
    },
    "plan.published": {
        "plan_id": 9, "version": 2, "community_ids": [7], "period_start": "2026-12-01",
        "period_end": "2026-12-31", "assignment_count": 40, "published_by": 3,
    },
    "plan.solved": {"plan_id": 9, "job_id": "5f0c6f7e-6a55-4c1e-9a53-0d7c1b8e2f10",
                    "status": "optimal"},
    "assignment.assigned": {
        "assignment_id": 1001, "plan_id": 9, "plan_version": 2, "volunteer_id": 55,
        "role": "first_aid", "shift": _SHIFT,
    },
    "assignment.changed": {
        "assignment_id": 1001, "plan_id": 9, "plan_version": 3, "volunteer_id": 55,
        "role": "first_aid", "shift": {**_SHIFT, "start": "09:00", "end": "12:00"},
        "previous": {"role": "first_aid", "shift": _SHIFT},
    },
    "assignment.cancelled": {
        "assignment_id": 1001, "plan_id": 9, "plan_version": 3, "volunteer_id": 55,
        "role": "first_aid", "shift": _SHIFT, "reason": "activity cancelled",
    },
    "assignment.response": {
        "assignment_id": 1001, "volunteer_id": 55, "response": "declined",
        "reason": "家里有事", "responded_at": "2026-12-01T09:15:00Z", "channel": "web",
    },
    "scheduler.solve": {"job_id": "5f0c6f7e-6a55-4c1e-9a53-0d7c1b8e2f10", "plan_id": 9,
                        "attempt": 1, "time_limit_seconds": 30},
}


def example_payload(type_: str) -> dict[str, Any]:
    """A fresh copy of a valid payload of the latest version of `type_`."""
    return copy.deepcopy(_EXAMPLES[type_])
