"""When a shift's reminders are due: the evening before, and a few hours before it starts."""

from __future__ import annotations

from datetime import datetime, time, timedelta

DAY_BEFORE = "day_before"
HOURS_BEFORE = "hours_before"


def reminder_times(
    start: datetime, now: datetime, *, day_before_at: str, hours_before: float
) -> dict[str, datetime]:
    """Reminders still worth sending for a shift starting at `start` (aware, local zone)."""
    due: dict[str, datetime] = {}
    evening = datetime.combine(
        start.date() - timedelta(days=1), time.fromisoformat(day_before_at), start.tzinfo
    )
    soon = start - timedelta(hours=hours_before)
    # The evening reminder only makes sense before the short one and while still ahead.
    if now < evening < soon:
        due[DAY_BEFORE] = evening
    if now < soon:
        due[HOURS_BEFORE] = soon
    return due
