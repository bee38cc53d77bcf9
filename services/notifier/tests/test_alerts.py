"""Events become digests, change and cancellation alerts, reminders — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from notifier_factories import assigned, published

from linli_contracts.envelope import make_event
from notifier.digests import flush_stale_publications
from notifier.events import handle_event
from notifier.models import (
    Assignment,
    ChannelSettings,
    Delivery,
    InboxMessage,
    Notification,
    Reminder,
)

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def apply(sessions: Any, settings: dict[str, Any], *envelopes: Any, now: datetime = NOW) -> None:
    for envelope in envelopes:
        with sessions() as session, session.begin():
            handle_event(session, envelope, settings, now)


def add_settings(sessions: Any, volunteer_id: int, **values: Any) -> None:
    with sessions() as session, session.begin():
        session.add(ChannelSettings(
            volunteer_id=volunteer_id, language=values.pop("language", "zh-CN"),
            channels=values.pop("channels", ["email"]),
            consents=values.pop("consents", {"email": "2026-01-01"}),
            calendar_secret=f"secret-{volunteer_id}", updated_at=NOW,
            email=values.pop("email", f"v{volunteer_id}@example.org"), **values,
        ))


def test_one_digest_per_volunteer_once_the_publication_is_complete(
    db_sessions: Any, settings: dict[str, Any]
) -> None:
    add_settings(db_sessions, 1)
    day = date(2026, 11, 25)
    events = [assigned(10 + i, 1 if i < 3 else 2, day=day + timedelta(days=i)) for i in range(5)]
    apply(db_sessions, settings, *events[:4])
    with db_sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    # The announcement may come before the last assignment: the digest waits for the count.
    apply(db_sessions, settings, published(1, 1, 5), events[4])
    with db_sessions() as session:
        digests = session.scalars(sa.select(Notification).order_by(Notification.volunteer_id)).all()
        assert [(n.volunteer_id, n.kind, len(n.assignment_ids)) for n in digests] == [
            (1, "digest", 3), (2, "digest", 2)
        ]
        assert session.scalar(sa.select(sa.func.count()).select_from(InboxMessage)) == 2
        # Volunteer 1 chose email with consent; volunteer 2 has no settings: inbox only.
        deliveries = session.scalars(sa.select(Delivery)).all()
        assert [(d.channel, d.status) for d in deliveries] == [("email", "pending")]
        assert "您有3个新的志愿服务班次" in digests[0].subject
        # Each shift gets an evening-before and a two-hours-before reminder.
        assert session.scalar(sa.select(sa.func.count()).select_from(Reminder)) == 10


def test_late_assignment_after_the_digest_gets_its_own_alert(
    db_sessions: Any, settings: dict[str, Any]
) -> None:
    apply(db_sessions, settings, published(2, 1, 1), assigned(20, 5, plan_id=2))
    apply(db_sessions, settings, assigned(21, 5, plan_id=2))
    with db_sessions() as session:
        kinds = session.scalars(sa.select(Notification.kind).order_by(Notification.id)).all()
    assert kinds == ["digest", "assigned"]


def test_incomplete_publication_is_digested_after_the_grace_period(
    db_sessions: Any, settings: dict[str, Any]
) -> None:
    apply(db_sessions, settings, published(3, 1, 3), assigned(30, 6, plan_id=3))
    with db_sessions() as session, session.begin():
        assert flush_stale_publications(session, settings, NOW) == 0
    later = NOW + timedelta(seconds=settings["DIGEST_GRACE_SECONDS"] + 1)
    with db_sessions() as session, session.begin():
        assert flush_stale_publications(session, settings, later) == 1
    with db_sessions() as session, session.begin():
        assert flush_stale_publications(session, settings, later) == 0


def test_change_and_cancellation_are_alerts_of_their_own_and_move_reminders(
    db_sessions: Any, settings: dict[str, Any]
) -> None:
    add_settings(db_sessions, 8, language="en")
    first = assigned(40, 8, plan_id=4, day=date(2026, 11, 25))
    apply(db_sessions, settings, published(4, 1, 1), first)
    payload = dict(first.payload)
    payload["previous"] = {"role": payload["role"], "shift": payload["shift"]}
    payload["shift"] = {**payload["shift"], "date": "2026-11-26", "start": "09:00",
                        "end": "11:00"}
    apply(db_sessions, settings, make_event("assignment.changed", payload))
    cancel = {k: v for k, v in payload.items() if k != "previous"}
    cancel["reason"] = "活动改期"
    apply(db_sessions, settings, make_event("assignment.cancelled", cancel))
    with db_sessions() as session:
        notes = session.scalars(sa.select(Notification).order_by(Notification.id)).all()
        assert [n.kind for n in notes] == ["digest", "changed", "cancelled"]
        assert notes[1].subject == "[Linli] Shift changed: 四点半课堂"
        assert "Previously: Wed 25 Nov 16:30–18:00" in notes[1].body_text
        assert "Reason: 活动改期" in notes[2].body_text
        row = session.get(Assignment, 40)
        assert (row.status, row.sequence) == ("cancelled", 2)
        live = session.scalar(
            sa.select(sa.func.count()).select_from(Reminder).where(Reminder.cancelled_at.is_(None))
        )
        assert live == 0


def test_a_mixed_batch_in_one_transaction_sees_its_own_changes(
    db_sessions: Any, settings: dict[str, Any]
) -> None:
    from notifier.events import handle_events  # noqa: PLC0415

    first, second = assigned(60, 9, plan_id=6), assigned(61, 9, plan_id=6)
    moved = dict(first.payload, previous={"role": "tutor", "shift": first.payload["shift"]})
    moved["shift"] = {**first.payload["shift"], "start": "15:00"}
    batch = [first, second, make_event("assignment.changed", moved), published(6, 1, 2)]
    with db_sessions() as session, session.begin():
        handle_events(session, batch, settings, NOW)
    with db_sessions() as session:
        notes = session.scalars(sa.select(Notification).order_by(Notification.id)).all()
        assert [n.kind for n in notes] == ["changed", "digest"]
        assert "15:00–18:00" in notes[1].body_text
        assert session.get(Assignment, 60).sequence == 1
