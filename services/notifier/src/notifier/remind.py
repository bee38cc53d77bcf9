"""Due reminders become alerts: each is claimed once with `UPDATE … WHERE sent_at IS NULL`."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from notifier.alerts import create_notification, utcnow
from notifier.db import rowcount
from notifier.digests import flush_stale_publications
from notifier.models import Assignment, Reminder

log = logging.getLogger(__name__)


def send_due_reminders(session_factory: sessionmaker[Session], settings: dict[str, Any],
                       now: datetime | None = None, limit: int = 200) -> int:
    """Turn due reminders into alerts; each claim and its alert commit together."""
    now = now or utcnow()
    with session_factory() as session:
        due = session.scalars(
            sa.select(Reminder.id)
            .where(Reminder.due_at <= now, Reminder.sent_at.is_(None),
                   Reminder.cancelled_at.is_(None))
            .order_by(Reminder.due_at).limit(limit)
        ).all()
    sent = 0
    for reminder_id in due:
        with session_factory() as session, session.begin():
            claimed = rowcount(session.execute(
                sa.update(Reminder)
                .where(Reminder.id == reminder_id, Reminder.sent_at.is_(None),
                       Reminder.cancelled_at.is_(None))
                .values(sent_at=now)
            ))
            if claimed != 1:
                continue  # another worker took it, or it was cancelled meanwhile
            reminder = session.get(Reminder, reminder_id)
            assignment = session.get(Assignment, reminder.assignment_id) if reminder else None
            if reminder is None or assignment is None or assignment.status != "assigned":
                continue
            reminder.notification_id = create_notification(
                session, settings, now, volunteer_id=reminder.volunteer_id,
                kind=f"reminder_{reminder.kind}", dedupe_key=f"reminder:{reminder.id}",
                assignments=[assignment], plan=(assignment.plan_id, assignment.plan_version),
            )
            sent += 1
    return sent


def housekeeping(session_factory: sessionmaker[Session], settings: dict[str, Any],
                 now: datetime | None = None) -> tuple[int, int]:
    """One pass of the reminder loop: due reminders, then publications past their grace."""
    reminders = send_due_reminders(session_factory, settings, now)
    with session_factory() as session, session.begin():
        digests = flush_stale_publications(session, settings, now)
    return reminders, digests
