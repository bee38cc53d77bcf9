"""Inbox queries and actions (plain functions over a session)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from notifier.models import InboxMessage
from notifier.responses.service import record_response
from notifier.tokens import ResponseGrant


def page(session: Session, volunteer_id: int, *, unread: bool, limit: int,
         offset: int) -> dict[str, Any]:
    """Newest first, with totals."""
    where = [InboxMessage.volunteer_id == volunteer_id]
    unread_filter = InboxMessage.read_at.is_(None)
    query = sa.select(InboxMessage).where(*where)
    if unread:
        query = query.where(unread_filter)
    items = session.scalars(
        query.order_by(InboxMessage.id.desc()).limit(limit).offset(offset)
    ).all()
    total = session.scalar(sa.select(sa.func.count()).select_from(InboxMessage).where(*where))
    unread_count = session.scalar(
        sa.select(sa.func.count()).select_from(InboxMessage).where(*where, unread_filter)
    )
    return {"items": items, "total": total, "unread": unread_count}


def mark_read(session: Session, message: InboxMessage) -> InboxMessage:
    """Mark a message read (idempotent)."""
    if message.read_at is None:
        message.read_at = datetime.now(UTC)
    return message


def respond(session: Session, message: InboxMessage, assignment_id: int, response: str,
            reason: str | None) -> Any:
    """Answer an assignment from an inbox button: once per message and assignment."""
    grant = ResponseGrant(assignment_id, message.volunteer_id,
                          f"inbox-{message.id}-{assignment_id}")
    answer = record_response(session, grant, response, reason, "inbox")
    mark_read(session, message)
    return answer
