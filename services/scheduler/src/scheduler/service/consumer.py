"""Consumer of `scheduler.events`: volunteers' responses and registry volunteer changes.

- `assignment.response` declined: the slot reopens in a new version, the volunteer is kept off
  that shift, and if the plan says so it is repaired (and published) at once.
- `registry.volunteer.changed` with `active: false`: the volunteer's future assignments are
  flagged for the coordinator; `active: true` clears the flag.

Domain errors are turned into the consumer's retry or dead-letter decision by the one table
in `scheduler.service.errors`.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from linli_contracts.consumer import DEAD_LETTER, EventConsumer
from linli_contracts.envelope import Envelope
from linli_contracts.errors import PermanentError, TransientError
from scheduler.service.errors import SchedulerError, decision_of
from scheduler.service.plans import reactions


def handle_event(envelope: Envelope, session: Session, today: date | None = None) -> None:
    """Apply one event inside the caller's transaction (shared by the consumer and tests)."""
    payload = envelope.payload
    if envelope.type == "assignment.response":
        if payload["response"] == "declined":
            reactions.decline(session, int(payload["assignment_id"]), int(payload["volunteer_id"]))
    elif envelope.type == "registry.volunteer.changed":
        volunteer_id = int(payload["id"])
        if payload.get("action") == "deleted" or payload.get("active") is False:
            reactions.flag_inactive_volunteer(session, volunteer_id, today or date.today())
        else:
            reactions.unflag_volunteer(session, volunteer_id)


class SchedulerEventConsumer(EventConsumer):
    """Reads `scheduler.events` with inbox de-duplication and ack after commit."""

    name = "scheduler"
    queues = ("scheduler.events",)

    def handle(self, envelope: Envelope, session: Session) -> None:
        """Apply the event; map domain errors to dead-letter or retry."""
        try:
            handle_event(envelope, session)
        except SchedulerError as exc:
            kind = PermanentError if decision_of(exc) == DEAD_LETTER else TransientError
            raise kind(f"{type(exc).__name__}: {exc.key}") from exc
