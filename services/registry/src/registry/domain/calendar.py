"""School-day calendar: China's official working days, per-region overrides, terms and breaks.

A school day is an official working day (including 调休 make-up weekend days, excluding public
holidays) that lies inside a school term and outside every break. Official dates come from the
``chinesecalendar`` package for the years it covers; for later years a coordinator must load
the State Council's dates into the region's lists and confirm the year. Dates nobody has
confirmed are refused rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import chinese_calendar

__all__ = [
    "CalendarError",
    "CalendarNotConfirmed",
    "CalendarOverrides",
    "RegionCalendar",
    "calendar_from_record",
    "is_school_day",
    "official_dates",
    "official_years",
    "school_days",
]


class CalendarError(Exception):
    """Base class for calendar errors."""


class CalendarNotConfirmed(CalendarError):
    """Some dates in the requested range have no confirmed official or school calendar."""

    def __init__(
        self,
        region: str,
        years: Iterable[int] = (),
        missing_terms: Iterable[tuple[date, date]] = (),
    ) -> None:
        self.region = region
        self.years: tuple[int, ...] = tuple(sorted(set(years)))
        self.missing_terms: tuple[tuple[date, date], ...] = tuple(missing_terms)
        self.message = _message_zh(region, self.years, self.missing_terms)
        self.message_en = _message_en(region, self.years, self.missing_terms)
        super().__init__(self.message)

    def message_for(self, lang: str = "zh-CN") -> str:
        """The message in ``lang`` (``en`` or anything else for zh-CN)."""
        return self.message_en if lang.lower().startswith("en") else self.message


def _message_zh(region: str, years: tuple[int, ...], gaps: tuple[tuple[date, date], ...]) -> str:
    parts = []
    if years:
        ys = "、".join(str(y) for y in years)
        parts.append(
            f"{ys} 年的法定节假日和调休安排尚未确认：请先导入国务院公布的 {ys} 年放假安排"
            "（节假日与调休上班日），或由协调员确认该年度日历"
        )
    if gaps:
        spans = "、".join(f"{a.isoformat()} 至 {b.isoformat()}" for a, b in gaps)
        parts.append(
            f"地区 {region} 在 {spans} 尚未设置学期起止日期（寒暑假）：请先录入学期开始、"
            "结束日期和寒暑假安排"
        )
    return "；".join(parts)


def _message_en(region: str, years: tuple[int, ...], gaps: tuple[tuple[date, date], ...]) -> str:
    parts = []
    if years:
        ys = ", ".join(str(y) for y in years)
        parts.append(
            f"The public holidays and make-up working days (调休) for {ys} are not confirmed: "
            f"import the State Council's {ys} holiday schedule (holidays and make-up working "
            "days) or have a coordinator confirm the year's calendar"
        )
    if gaps:
        spans = ", ".join(f"{a.isoformat()} to {b.isoformat()}" for a, b in gaps)
        parts.append(
            f"Region {region} has no school term dates (term start/end, winter and summer "
            f"breaks) for {spans}: enter the terms and breaks first"
        )
    return "; ".join(parts)


@dataclass(frozen=True)
class RegionCalendar:
    """One region's calendar: overrides on top of the official one, plus terms and breaks."""

    region: str
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    terms: tuple[tuple[date, date], ...] = ()
    breaks: tuple[tuple[date, date], ...] = ()
    confirmed_years: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        for start, end in (*self.terms, *self.breaks):
            if end < start:
                raise ValueError(f"period ends before it starts: {start} .. {end}")
        both = self.holidays & self.workdays
        if both:
            raise ValueError(f"dates both holiday and workday: {sorted(both)}")


@dataclass(frozen=True)
class CalendarOverrides:
    """A coordinator's edits to a region calendar, applied with :meth:`apply`."""

    add_holidays: frozenset[date] = frozenset()
    add_workdays: frozenset[date] = frozenset()
    remove: frozenset[date] = frozenset()
    confirm_years: frozenset[int] = frozenset()
    terms: tuple[tuple[date, date], ...] | None = None
    breaks: tuple[tuple[date, date], ...] | None = None

    def apply(self, cal: RegionCalendar) -> RegionCalendar:
        """Return ``cal`` with these edits; a date added as holiday stops being a workday."""
        holidays = (cal.holidays - self.remove - self.add_workdays) | self.add_holidays
        workdays = (cal.workdays - self.remove - self.add_holidays) | self.add_workdays
        return RegionCalendar(
            region=cal.region,
            holidays=frozenset(holidays),
            workdays=frozenset(workdays),
            terms=cal.terms if self.terms is None else tuple(self.terms),
            breaks=cal.breaks if self.breaks is None else tuple(self.breaks),
            confirmed_years=cal.confirmed_years | self.confirm_years,
        )


def official_years() -> range:
    """Years the ``chinesecalendar`` package has official data for (it raises outside them)."""
    years = {d.year for d in chinese_calendar.holidays} | {
        d.year for d in chinese_calendar.workdays
    }
    return range(min(years), max(years) + 1)


def official_dates(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """Official (holidays, make-up workdays) of ``year``, to prefill a region's lists."""
    if year not in official_years():
        raise CalendarNotConfirmed("", years=[year])
    hol = frozenset(d for d in chinese_calendar.holidays if d.year == year)
    work = frozenset(d for d in chinese_calendar.workdays if d.year == year)
    return hol, work


def _in_any(d: date, periods: Iterable[tuple[date, date]]) -> bool:
    return any(a <= d <= b for a, b in periods)


def _known_span(cal: RegionCalendar) -> tuple[date, date] | None:
    periods = (*cal.terms, *cal.breaks)
    if not cal.terms:
        return None
    return min(a for a, _ in periods), max(b for _, b in periods)


def _classify(d: date, cal: RegionCalendar, official: range) -> bool | None:
    """True/False for a decided day; None when the official calendar for its year is missing."""
    if not _in_any(d, cal.terms) or _in_any(d, cal.breaks):
        return False
    if d in cal.holidays:
        return False
    if d in cal.workdays:
        return True
    if d.year in cal.confirmed_years:
        # The coordinator loaded this year's holidays and make-up days into the region lists.
        return d.weekday() < 5
    if d.year in official:
        return bool(chinese_calendar.is_workday(d))
    return None


def _gaps(start: date, end: date, cal: RegionCalendar) -> list[tuple[date, date]]:
    span = _known_span(cal)
    if span is None:
        return [(start, end)]
    gaps = []
    if start < span[0]:
        gaps.append((start, min(end, span[0] - timedelta(days=1))))
    if end > span[1]:
        gaps.append((max(start, span[1] + timedelta(days=1)), end))
    return gaps


def school_days(start: date, end: date, cal: RegionCalendar) -> list[date]:
    """All school days from ``start`` to ``end`` inclusive, or raise CalendarNotConfirmed.

    Dates between the first and last entered term or break but outside every term (an unlisted
    summer holiday) are simply not school days; dates before or after all entered terms and
    breaks are unknown and refused, as are term days in years nobody has confirmed.
    """
    if end < start:
        return []
    gaps = _gaps(start, end, cal)
    official = official_years()
    days: list[date] = []
    missing_years: set[int] = set()
    d = start
    while d <= end:
        verdict = _classify(d, cal, official)
        if verdict is None:
            missing_years.add(d.year)
        elif verdict:
            days.append(d)
        d += timedelta(days=1)
    if missing_years or gaps:
        raise CalendarNotConfirmed(cal.region, missing_years, gaps)
    return days


def is_school_day(d: date, cal: RegionCalendar) -> bool:
    """Whether ``d`` is a school day in ``cal``; raises CalendarNotConfirmed if unknown."""
    return bool(school_days(d, d, cal))


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _periods(items: Iterable[Any]) -> tuple[tuple[date, date], ...]:
    out = []
    for item in items:
        if isinstance(item, Mapping):
            out.append((_as_date(item["start"]), _as_date(item["end"])))
        else:
            a, b = item
            out.append((_as_date(a), _as_date(b)))
    return tuple(sorted(out))


def calendar_from_record(record: Mapping[str, Any]) -> RegionCalendar:
    """Build a RegionCalendar from the registry-model shape (ISO strings, {name,start,end})."""
    return RegionCalendar(
        region=str(record.get("region", "")),
        holidays=frozenset(_as_date(x) for x in record.get("holidays", ())),
        workdays=frozenset(_as_date(x) for x in record.get("workdays", ())),
        terms=_periods(record.get("terms", ())),
        breaks=_periods(record.get("breaks", ())),
        confirmed_years=frozenset(int(y) for y in record.get("confirmed_years", ())),
    )
