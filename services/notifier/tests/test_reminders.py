"""Reminders: the evening before and two hours before; durable, sent once, cancelled with shifts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from notifier_factories import assigned, published

from linli_contracts.envelope import make_event
from notifier.domain.quiet_hours import release_time
from notifier.domain.reminders import DAY_BEFORE, HOURS_BEFORE, reminder_times
from notifier.events import handle_event
from notifier.models import Notification, Reminder
from notifier.remind import send_due_reminders

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def test_reminder_times() -> None:
    start = datetime(2026, 11, 25, 16, 30, tzinfo=SHANGHAI)
    due = reminder_times(start, NOW, day_before_at="18:00", hours_before=2)
    assert due == {DAY_BEFORE: datetime(2026, 11, 24, 18, 0, tzinfo=SHANGHAI),
                   HOURS_BEFORE: datetime(2026, 11, 25, 14, 30, tzinfo=SHANGHAI)}
    # Published the same morning: only the short reminder is still ahead.
    morning = datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
    assert set(reminder_times(start, morning, day_before_at="18:00", hours_before=2)) == {
        HOURS_BEFORE}
    # An early shift: the evening reminder still comes before the two-hour one.
    early = datetime(2026, 11, 25, 7, 0, tzinfo=SHANGHAI)
    assert set(reminder_times(early, NOW, day_before_at="18:00", hours_before=2)) == {
        DAY_BEFORE, HOURS_BEFORE}


def test_quiet_hours_span_midnight() -> None:
    def at(h: int, m: int, day: int = 20) -> datetime:
        return datetime(2026, 11, day, h, m, tzinfo=SHANGHAI)

    assert release_time(at(21, 0), "21:30", "07:30", "Asia/Shanghai") == at(21, 0)
    assert release_time(at(22, 0), "21:30", "07:30", "Asia/Shanghai") == at(7, 30, 21)
    assert release_time(at(3, 0), "21:30", "07:30", "Asia/Shanghai") == at(7, 30)
    assert release_time(at(7, 30), "21:30", "07:30", "Asia/Shanghai") == at(7, 30)


def _setup(db_sessions: Any, settings: dict[str, Any]) -> None:
    for envelope in (assigned(1, 5, day=date(2026, 11, 25)), published(1, 1, 1)):
        with db_sessions() as session, session.begin():
            handle_event(session, envelope, settings, NOW)


def test_due_reminders_are_sent_once_even_when_claimed_twice(
    db_sessions: Any, settings: dict[str, Any]
) -> None:
    _setup(db_sessions, settings)
    evening = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 18:00 Shanghai
    assert send_due_reminders(db_sessions, settings, evening - timedelta(minutes=1)) == 0
    assert send_due_reminders(db_sessions, settings, evening) == 1
    assert send_due_reminders(db_sessions, settings, evening) == 0  # a restart re-runs the pass
    with db_sessions() as session:
        kinds = session.scalars(sa.select(Notification.kind).order_by(Notification.id)).all()
        assert kinds == ["digest", "reminder_day_before"]
        subject = session.scalars(sa.select(Notification.subject)
                                  .where(Notification.kind == "reminder_day_before")).one()
    assert subject == "【邻里】明天的志愿服务提醒：四点半课堂"
    later = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)  # 14:30 Shanghai
    assert send_due_reminders(db_sessions, settings, later) == 1


def test_cancelled_assignment_cancels_its_reminders(
    db_sessions: Any, settings: dict[str, Any]
) -> None:
    _setup(db_sessions, settings)
    payload = dict(assigned(1, 5, day=date(2026, 11, 25)).payload, reason=None)
    with db_sessions() as session, session.begin():
        handle_event(session, make_event("assignment.cancelled", payload), settings, NOW)
    assert send_due_reminders(db_sessions, settings, datetime(2026, 11, 26, tzinfo=UTC)) == 0
    with db_sessions() as session:
        assert all(r.cancelled_at for r in session.scalars(sa.select(Reminder)))
