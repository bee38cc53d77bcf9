"""A volunteer's assignments as an iCalendar feed (RFC 5545) in zone Asia/Shanghai.

Each assignment keeps one UID for life; SEQUENCE grows with every change and a cancelled
assignment stays in the feed with STATUS:CANCELLED, so calendar apps update or remove it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

#: China has kept +08:00 without daylight saving since 1991.
_VTIMEZONE = {
    "Asia/Shanghai": [
        "BEGIN:VTIMEZONE",
        "TZID:Asia/Shanghai",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        "TZOFFSETFROM:+0800",
        "TZOFFSETTO:+0800",
        "TZNAME:CST",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]
}


@dataclass(frozen=True)
class CalendarEvent:
    """One assignment as a calendar entry (times local to `tzid`)."""

    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    location: str
    description: str
    cancelled: bool
    updated: datetime


def escape(text: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and newlines."""
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\\n").replace("\n", "\\n")
    )


def fold(line: str) -> list[str]:
    """Split a content line into pieces of at most 75 octets, never inside a character."""
    pieces: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    pieces.append(current)
    return pieces


def _local(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def build_calendar(events: list[CalendarEvent], *, name: str, tzid: str = "Asia/Shanghai") -> str:
    """The whole feed as text with CRLF line ends."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Linli//Notifier//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
        f"X-WR-TIMEZONE:{tzid}",
        *_VTIMEZONE.get(tzid, []),
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"SEQUENCE:{event.sequence}",
            f"DTSTAMP:{_utc(event.updated)}",
            f"LAST-MODIFIED:{_utc(event.updated)}",
            f"DTSTART;TZID={tzid}:{_local(event.start)}",
            f"DTEND;TZID={tzid}:{_local(event.end)}",
            f"SUMMARY:{escape(event.summary)}",
            f"LOCATION:{escape(event.location)}",
            f"DESCRIPTION:{escape(event.description)}",
            f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(piece + "\r\n" for line in lines for piece in fold(line))
