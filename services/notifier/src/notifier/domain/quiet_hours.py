"""Quiet hours: when SMS must wait until morning."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def _parse(value: str) -> time:
    return time.fromisoformat(value)


def release_time(now: datetime, start: str, end: str, tz: str) -> datetime:
    """`now` if it is outside the quiet window [start, end) in zone `tz`, else the window's end."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    quiet_start, quiet_end = _parse(start), _parse(end)
    clock = local.timetz().replace(tzinfo=None)
    if quiet_start == quiet_end:
        return now
    if quiet_start < quiet_end:
        inside = quiet_start <= clock < quiet_end
        end_day = local.date()
    else:
        # The window spans midnight (the usual 21:30–07:30).
        inside = clock >= quiet_start or clock < quiet_end
        end_day = local.date() + timedelta(days=1) if clock >= quiet_start else local.date()
    if not inside:
        return now
    return datetime.combine(end_day, quiet_end, zone).astimezone(now.tzinfo)
