"""Events and commands the scheduler writes to its outbox, in the caller's transaction.

Payloads carry what the notifier needs — volunteer id, role, shift time and place — and no
names, phone or ID numbers (the JSON Schemas in linli_contracts refuse unknown fields).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from linli_contracts.envelope import make_event
from linli_contracts.outbox import record
from scheduler.service.models import OUTBOX


def emit(session: Session, type_: str, payload: dict[str, Any], *,
         correlation_id: str | None = None) -> str:
    """Validate and store one message in the outbox; return its id."""
    envelope = make_event(type_, payload, correlation_id=correlation_id)
    record(session, OUTBOX, envelope)
    return envelope.id


def shift_view(shift: Mapping[str, Any]) -> dict[str, Any]:
    """A problem shift as the volunteer sees it in an event."""
    meta = shift.get("meta") or {}
    return {
        "id": int(shift["id"]),
        "date": shift["date"],
        "start": shift["start"],
        "end": shift["end"],
        "activity_type": shift.get("kind") or "general",
        "activity_name": meta.get("activity_name") or shift.get("kind") or "general",
        "venue_id": int(shift["venue_id"]),
        "venue_name": meta.get("venue_name"),
        "venue_address": meta.get("venue_address"),
        "community_id": int(shift["community_id"]),
    }


def assignment_payload(
    plan_id: int, version: int, assignment_id: int, volunteer_id: int, role: str,
    shift: Mapping[str, Any],
) -> dict[str, Any]:
    """Common payload of assignment.assigned|changed|cancelled."""
    return {
        "assignment_id": assignment_id,
        "plan_id": plan_id,
        "plan_version": version,
        "volunteer_id": volunteer_id,
        "role": role,
        "shift": shift_view(shift),
    }
