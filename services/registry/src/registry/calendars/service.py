"""Region calendar operations (no Flask)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.auth.principal import Principal
from registry.domain.calendar import RegionCalendar, calendar_from_record, official_years
from registry.errors import Forbidden, Invalid, NotFound
from registry.events import emit_change
from registry.i18n import t
from registry.models import Calendar, Community

LIST_FIELDS = ("holidays", "workdays", "terms", "breaks", "confirmed_years")


def _iso(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


def record_of(calendar: Calendar) -> dict[str, Any]:
    """The calendar in the registry-model shape (ISO strings)."""
    data: dict[str, Any] = {name: getattr(calendar, name) for name in LIST_FIELDS}
    data["region"] = calendar.region
    return data


def region_calendar(session: Session, region: str) -> RegionCalendar:
    """The domain calendar of a region (empty when nothing was loaded)."""
    row = session.scalars(select(Calendar).where(Calendar.region == region)).first()
    return calendar_from_record(record_of(row)) if row else RegionCalendar(region=region)


def view(calendar: Calendar) -> dict[str, Any]:
    """The calendar as returned, with the years the package knows."""
    years = official_years()
    return {
        **record_of(calendar),
        "id": calendar.id,
        "version": calendar.version,
        "official_years": [years.start, years.stop - 1],
    }


def get(session: Session, principal: Principal, region: str) -> Calendar:
    """A stored calendar (any signed-in caller may read calendars)."""
    row = session.scalars(select(Calendar).where(Calendar.region == region)).first()
    if row is None:
        raise NotFound(t("404"))
    return row


def list_all(session: Session) -> list[Calendar]:
    """Every stored calendar."""
    return list(session.scalars(select(Calendar).order_by(Calendar.region)))


def _require_editor(session: Session, principal: Principal, region: str) -> None:
    if principal.role == "admin":
        return
    if principal.role != "coordinator":
        raise Forbidden(t("403"))
    regions = set(
        session.scalars(
            select(Community.calendar_region).where(Community.id.in_(principal.community_ids))
        )
    )
    if region not in regions:
        raise Forbidden(t("community_scope"))


def _get_or_new(session: Session, region: str) -> tuple[Calendar, bool]:
    row = session.scalars(select(Calendar).where(Calendar.region == region)).first()
    if row is not None:
        return row, False
    row = Calendar(region=region, holidays=[], workdays=[], terms=[], breaks=[], confirmed_years=[])
    session.add(row)
    return row, True


def _save(session: Session, row: Calendar, created: bool, values: dict[str, Any]) -> Calendar:
    values = {k: _iso(v) for k, v in values.items()}
    holidays, workdays = (
        set(values.get("holidays", row.holidays)),
        set(values.get("workdays", row.workdays)),
    )
    if holidays & workdays:
        raise Invalid(
            t("422"),
            {
                "json": {
                    "workdays": [
                        "既是假日又是调休工作日 both holiday and workday: "
                        + ", ".join(sorted(holidays & workdays))
                    ]
                }
            },
        )
    changed = [k for k, v in values.items() if getattr(row, k) != v]
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
    if created or changed:
        emit_change(session, "calendar", row.id, "created" if created else "updated", None, changed)
    session.commit()
    return row


def replace(session: Session, principal: Principal, region: str, data: dict[str, Any]) -> Calendar:
    """Create or replace a region calendar."""
    _require_editor(session, principal, region)
    row, created = _get_or_new(session, region)
    values = {
        "holidays": sorted(data["holidays"]),
        "workdays": sorted(data["workdays"]),
        "terms": sorted(data["terms"], key=lambda p: p["start"]),
        "breaks": sorted(data["breaks"], key=lambda p: p["start"]),
        "confirmed_years": sorted(set(data["confirmed_years"])),
    }
    return _save(session, row, created, values)


def add_dates(
    session: Session, principal: Principal, region: str, kind: str, dates: list[date]
) -> Calendar:
    """Add holidays or make-up workdays (a date moves from the other list)."""
    _require_editor(session, principal, region)
    row, created = _get_or_new(session, region)
    other = "workdays" if kind == "holidays" else "holidays"
    added = {d.isoformat() for d in dates}
    values = {
        kind: sorted(set(getattr(row, kind) or []) | added),
        other: sorted(set(getattr(row, other) or []) - added),
    }
    return _save(session, row, created, values)


def add_period(
    session: Session, principal: Principal, region: str, kind: str, period: dict[str, Any]
) -> Calendar:
    """Add a term or break (an existing one with the same start is replaced)."""
    _require_editor(session, principal, region)
    row, created = _get_or_new(session, region)
    period = _iso(period)
    periods = [p for p in (getattr(row, kind) or []) if p["start"] != period["start"]]
    periods.append(period)
    return _save(session, row, created, {kind: sorted(periods, key=lambda p: p["start"])})


def confirm_year(session: Session, principal: Principal, region: str, year: int) -> Calendar:
    """Mark a year's official dates as loaded for the region."""
    _require_editor(session, principal, region)
    row, created = _get_or_new(session, region)
    years = sorted(set(row.confirmed_years or []) | {year})
    return _save(session, row, created, {"confirmed_years": years})
