"""Shift times: the wall-clock fields of an event turned into aware datetimes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo


def _clock(value: str) -> tuple[time, int]:
    """`HH:MM[:SS]` as a time; `24:00` is midnight of the next day."""
    if value.startswith("24:00"):
        return time(0, 0), 1
    return time.fromisoformat(value), 0


def shift_bounds(shift: dict[str, Any], tz: str) -> tuple[datetime, datetime]:
    """Start and end of a shift in its local zone; an end before the start ends the next day."""
    zone = ZoneInfo(tz)
    day = date.fromisoformat(shift["date"])
    start_clock, start_extra = _clock(shift["start"])
    end_clock, end_extra = _clock(shift["end"])
    start = datetime.combine(day + timedelta(days=start_extra), start_clock, zone)
    end = datetime.combine(day + timedelta(days=end_extra), end_clock, zone)
    if end <= start:
        end += timedelta(days=1)
    return start, end
