"""Plain helpers of the volunteer pages: sorting shifts, calendar links and files, and reading
the availability and leave forms (no Flask)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

WEEKDAYS = range(7)
HHMM = re.compile(r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")
MAX_WINDOWS = 50
MAX_LEAVES = 100


def _instant(value: Any) -> datetime:
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def split_shifts(rows: list[dict[str, Any]], now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Coming shifts (soonest first), past ones (latest first) and cancelled ones."""
    coming, past, cancelled = [], [], []
    for row in rows:
        if row.get("status") == "cancelled":
            cancelled.append(row)
        elif _instant(row["ends_at"]) >= now:
            coming.append(row)
        else:
            past.append(row)
    coming.sort(key=lambda r: _instant(r["starts_at"]))
    past.sort(key=lambda r: _instant(r["starts_at"]), reverse=True)
    return {"coming": coming, "past": past, "cancelled": cancelled}


def calendar_links(feed_url: str | None) -> dict[str, str] | None:
    """The feed as a `webcal://` link (phones subscribe) and as the plain https link."""
    if not feed_url:
        return None
    scheme, _, rest = feed_url.partition("://")
    return {"webcal": f"webcal://{rest}", "https": feed_url if scheme else f"https://{rest}"}


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """RFC 5545 folding: at most 75 octets a line, never splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def shift_ics(row: Mapping[str, Any], host: str, now: datetime) -> str:
    """One shift as an iCalendar file (times in UTC, so no time zone table is needed)."""
    shift = row.get("shift") or {}
    fmt = "%Y%m%dT%H%M%SZ"
    place = ", ".join(p for p in (shift.get("venue_name"), shift.get("venue_address")) if p)
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Linli//Portal//ZH", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"UID:assignment-{int(row['assignment_id'])}-portal@{host}",
        f"DTSTAMP:{now.astimezone(UTC).strftime(fmt)}",
        f"DTSTART:{_instant(row['starts_at']).astimezone(UTC).strftime(fmt)}",
        f"DTEND:{_instant(row['ends_at']).astimezone(UTC).strftime(fmt)}",
        f"SUMMARY:{_escape(str(shift.get('activity_name') or row.get('role') or ''))}",
    ]
    if place:
        lines.append(f"LOCATION:{_escape(place)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def _rows(form: Mapping[str, str], prefix: str, names: tuple[str, ...],
          limit: int) -> list[tuple[int, dict[str, str]]]:
    """Numbered form rows `prefix-<i>-<name>`, without the blank and the removed ones."""
    found = []
    for index in range(limit + 5):
        values = {name: (form.get(f"{prefix}-{index}-{name}") or "").strip() for name in names}
        if form.get(f"{prefix}-{index}-remove") or not any(values.values()):
            continue
        found.append((index, values))
    return found


def submitted_rows(form: Mapping[str, str], prefix: str, names: tuple[str, ...],
                   limit: int) -> list[dict[str, str]]:
    """The rows as typed, in form order, to show a form again next to its errors."""
    rows = []
    for index in range(limit + 5):
        row = {name: (form.get(f"{prefix}-{index}-{name}") or "").strip() for name in names}
        row["remove"] = "1" if form.get(f"{prefix}-{index}-remove") else ""
        rows.append(row)
    while rows and not any(rows[-1].values()):
        rows.pop()
    return rows


def read_availability(form: Mapping[str, str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Weekly windows from the form, and errors keyed by input name (message keys)."""
    windows: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for index, values in _rows(form, "avail", ("weekday", "start", "end"), MAX_WINDOWS):
        name = f"avail-{index}"
        if not values["weekday"].isdigit() or int(values["weekday"]) not in WEEKDAYS:
            errors[f"{name}-weekday"] = "err_weekday"
        for part in ("start", "end"):
            if not HHMM.match(values[part]):
                errors[f"{name}-{part}"] = "err_time"
        if f"{name}-start" not in errors and f"{name}-end" not in errors \
                and values["start"] >= values["end"]:
            errors[f"{name}-end"] = "err_end_before_start"
        if not any(key.startswith(name + "-") for key in errors):
            windows.append({"weekday": int(values["weekday"]), "start": values["start"],
                            "end": values["end"]})
    if len(windows) > MAX_WINDOWS:
        errors["avail"] = "err_too_many"
    windows.sort(key=lambda w: (w["weekday"], w["start"]))
    return windows, errors


def read_leave(form: Mapping[str, str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Leave periods from the form, and errors keyed by input name (message keys)."""
    periods: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for index, values in _rows(form, "leave", ("start", "end", "reason"), MAX_LEAVES):
        name = f"leave-{index}"
        days: dict[str, date] = {}
        for part in ("start", "end"):
            try:
                days[part] = date.fromisoformat(values[part])
            except ValueError:
                errors[f"{name}-{part}"] = "err_date"
        if len(days) == 2 and days["start"] > days["end"]:
            errors[f"{name}-end"] = "err_end_before_start"
        if len(values["reason"]) > 200:
            errors[f"{name}-reason"] = "err_reason_long"
        if not any(key.startswith(name + "-") for key in errors):
            periods.append({"start": values["start"], "end": values["end"],
                            "reason": values["reason"] or None})
    if len(periods) > MAX_LEAVES:
        errors["leave"] = "err_too_many"
    periods.sort(key=lambda p: p["start"])
    return periods, errors


STAR_THRESHOLDS = (100, 300, 600, 1000, 1500)


def star_level(total_hours: float, thresholds: tuple[int, ...] = STAR_THRESHOLDS) -> int:
    """Stars (0–5) for cumulative hours, as DOMAIN.md counts them; used when the ledger
    answer has no `stars` of its own."""
    return sum(1 for threshold in thresholds if total_hours >= threshold)
