"""Small helpers for clock times, dates and great-circle distances (used by the model side)."""

from __future__ import annotations

import math
from datetime import date, timedelta

MINUTES_PER_DAY = 1440
EARTH_RADIUS_KM = 6371.0088


def parse_hhmm(text: str) -> int:
    """Minutes since midnight of an "HH:MM" string ("24:00" allowed)."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def fmt_hhmm(minutes: int) -> str:
    """"HH:MM" of minutes since midnight (wraps past midnight)."""
    minutes %= MINUTES_PER_DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_date(text: str) -> date:
    """A `date` from an ISO "YYYY-MM-DD" string."""
    return date.fromisoformat(text)


def days_between(first: date, last: date) -> list[date]:
    """Every date from `first` to `last`, both included."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def travel_minutes(distance_km: float, speed_kmh: float, buffer_minutes: int) -> int:
    """Minutes needed to move between two venues; zero when they are the same place."""
    if distance_km <= 0:
        return 0
    return math.ceil(distance_km / speed_kmh * 60) + buffer_minutes


def age_on(birth: date, day: date) -> int:
    """Age in whole years on `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
