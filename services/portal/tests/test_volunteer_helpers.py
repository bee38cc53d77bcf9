"""The volunteer pages' plain helpers: shift order, calendar links and files, form reading,
star levels."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.volunteer.shifts import (
    calendar_links,
    read_availability,
    read_leave,
    shift_ics,
    split_shifts,
    star_level,
    submitted_rows,
)

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def _row(aid: int, start: str, end: str, status: str = "assigned") -> dict:
    return {"assignment_id": aid, "starts_at": start, "ends_at": end, "status": status,
            "role": "tutor", "shift": {"activity_name": "四点半课堂", "venue_name": "幸福中心",
                                       "venue_address": "幸福路8号, 2楼"}}


def test_shifts_split_into_coming_past_and_cancelled() -> None:
    rows = [
        _row(1, "2026-03-12T08:30:00+00:00", "2026-03-12T10:00:00+00:00"),
        _row(2, "2026-03-01T08:30:00+00:00", "2026-03-01T10:00:00+00:00"),
        _row(3, "2026-03-11T08:30:00+00:00", "2026-03-11T10:00:00+00:00"),
        _row(4, "2026-03-05T08:30:00+00:00", "2026-03-05T10:00:00+00:00"),
        _row(5, "2026-03-20T08:30:00+00:00", "2026-03-20T10:00:00+00:00", "cancelled"),
        # Under way now: still "coming" until it ends.
        _row(6, "2026-03-10T07:30:00+00:00", "2026-03-10T09:00:00", "assigned"),
    ]
    groups = split_shifts(rows, NOW)
    assert [r["assignment_id"] for r in groups["coming"]] == [6, 3, 1]
    assert [r["assignment_id"] for r in groups["past"]] == [4, 2]
    assert [r["assignment_id"] for r in groups["cancelled"]] == [5]


def test_calendar_links_offer_webcal_and_https() -> None:
    links = calendar_links("https://linli.example.org/calendar/abc.ics")
    assert links == {"webcal": "webcal://linli.example.org/calendar/abc.ics",
                     "https": "https://linli.example.org/calendar/abc.ics"}
    assert calendar_links(None) is None


def test_one_shift_calendar_file_is_valid_icalendar() -> None:
    row = _row(7, "2026-03-12T08:30:00+00:00", "2026-03-12T10:00:00+00:00")
    row["shift"]["activity_name"] = "四点半课堂;作业辅导，" + "长" * 40
    text = shift_ics(row, "portal.example.org", NOW)
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "DTSTART:20260312T083000Z" in lines and "DTEND:20260312T100000Z" in lines
    assert "UID:assignment-7-portal@portal.example.org" in lines
    # Long lines are folded at 75 octets without cutting a character; specials are escaped.
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "")
    assert "LOCATION:幸福中心\\, 幸福路8号\\, 2楼" in unfolded
    assert ("SUMMARY:四点半课堂\\;作业辅导，" + "长" * 40) in unfolded


def test_availability_form_reads_windows_and_names_bad_fields() -> None:
    form = {
        "avail-0-weekday": "4", "avail-0-start": "16:00", "avail-0-end": "18:00",
        "avail-1-weekday": "0", "avail-1-start": "08:00", "avail-1-end": "09:30",
        "avail-2-weekday": "1", "avail-2-start": "10:00", "avail-2-end": "09:00",
        "avail-3-weekday": "9", "avail-3-start": "8am", "avail-3-end": "09:00",
        "avail-4-weekday": "3", "avail-4-start": "10:00", "avail-4-end": "11:00",
        "avail-4-remove": "1",
        "avail-5-weekday": "", "avail-5-start": "", "avail-5-end": "",
    }
    windows, errors = read_availability(form)
    assert windows == [{"weekday": 0, "start": "08:00", "end": "09:30"},
                       {"weekday": 4, "start": "16:00", "end": "18:00"}]
    assert errors == {"avail-2-end": "err_end_before_start", "avail-3-weekday": "err_weekday",
                      "avail-3-start": "err_time"}


def test_leave_form_reads_periods_and_names_bad_fields() -> None:
    form = {
        "leave-0-start": "2026-04-01", "leave-0-end": "2026-04-03", "leave-0-reason": "出差",
        "leave-1-start": "2026-05-02", "leave-1-end": "2026-05-01",
        "leave-2-start": "yesterday", "leave-2-end": "2026-05-01",
        "leave-3-start": "2026-06-01", "leave-3-end": "2026-06-01",
        "leave-3-reason": "x" * 201,
    }
    periods, errors = read_leave(form)
    assert periods == [{"start": "2026-04-01", "end": "2026-04-03", "reason": "出差"}]
    assert errors == {"leave-1-end": "err_end_before_start", "leave-2-start": "err_date",
                      "leave-3-reason": "err_reason_long"}
    shown = submitted_rows(form, "leave", ("start", "end", "reason"), 100)
    assert len(shown) == 4 and shown[2]["start"] == "yesterday"


def test_star_levels_follow_the_hour_thresholds() -> None:
    assert [star_level(h) for h in (0, 99.75, 100, 299, 300, 600, 999, 1000, 1500, 9000)] == [
        0, 0, 1, 1, 2, 3, 3, 4, 5, 5]
