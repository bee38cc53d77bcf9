"""Record a response once (its jti is unique) and publish `assignment.response` via the outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from linli_contracts.envelope import make_event
from linli_contracts.outbox import record
from notifier.models import Assignment, Response, outbox
from notifier.tokens import InvalidToken, ResponseGrant, read_token


class AlreadyAnswered(Exception):
    """This link or inbox button was used already."""


class NotAnswerable(Exception):
    """The assignment is unknown, not the volunteer's, or cancelled."""


def grant_for(token: str, settings: dict[str, Any]) -> ResponseGrant:
    """The grant in a link token (raises InvalidToken)."""
    return read_token(settings["SECRET_KEY"], token, int(settings["RESPONSE_TOKEN_MAX_AGE"]))


def assignment_for(session: Session, grant: ResponseGrant) -> Assignment:
    """The assignment a grant answers, if it can still be answered."""
    row = session.get(Assignment, grant.assignment_id)
    if row is None or row.volunteer_id != grant.volunteer_id:
        raise NotAnswerable("unknown assignment")
    return row


def used(session: Session, jti: str) -> Response | None:
    """The response recorded with this jti, if any."""
    return session.scalar(sa.select(Response).where(Response.jti == jti))


def record_response(
    session: Session, grant: ResponseGrant, response: str, reason: str | None, channel: str,
    now: datetime | None = None,
) -> Response:
    """Store the response and its event in one transaction; a second use raises AlreadyAnswered."""
    now = now or datetime.now(UTC)
    row = assignment_for(session, grant)
    if row.status != "assigned":
        raise NotAnswerable("assignment cancelled")
    if used(session, grant.jti) is not None:
        raise AlreadyAnswered(grant.jti)
    envelope = make_event("assignment.response", {
        "assignment_id": grant.assignment_id, "volunteer_id": grant.volunteer_id,
        "response": response, "reason": reason, "responded_at": now.isoformat(),
        "channel": channel,
    })
    answer = Response(
        jti=grant.jti, assignment_id=grant.assignment_id, volunteer_id=grant.volunteer_id,
        response=response, reason=reason, channel=channel, message_id=envelope.id,
        responded_at=now,
    )
    try:
        with session.begin_nested():
            session.add(answer)
            session.flush()
    except IntegrityError as exc:
        # A concurrent use of the same link won the race.
        raise AlreadyAnswered(grant.jti) from exc
    record(session, outbox, envelope)
    return answer


__all__ = ["AlreadyAnswered", "InvalidToken", "NotAnswerable", "grant_for", "record_response"]
