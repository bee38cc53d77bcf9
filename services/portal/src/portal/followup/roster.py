"""Plain helpers of the follow-up pages: answer counts, roster rows and the roster workbook,
the import error table and attendance times (no Flask)."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

ROSTER_HEADERS = {
    "zh-CN": ("日期", "开始", "结束", "活动", "场所", "岗位", "志愿者", "答复"),
    "en": ("Date", "Start", "End", "Activity", "Venue", "Role", "Volunteer", "Answer"),
}


def answer_counts(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Confirmed, declined and unanswered among the assignments still standing."""
    counts = Counter(
        row.get("response") or "none" for row in rows if row.get("status") != "cancelled"
    )
    return {"confirmed": counts["confirmed"], "declined": counts["declined"],
            "none": counts["none"]}


def roster_rows(assignments: Iterable[Mapping[str, Any]], names: Mapping[int, str],
                answers: Mapping[int, str | None]) -> list[dict[str, Any]]:
    """The roster as rows sorted by day, start, venue and volunteer name."""
    rows = [
        {
            "assignment_id": a["assignment_id"], "date": a.get("date") or "",
            "start": a.get("start") or "", "end": a.get("end") or "",
            "activity": a.get("activity_name") or a.get("activity_type") or "",
            "venue": a.get("venue_name") or "", "skill": a.get("skill") or "",
            # The plan's own name for people from outside the coordinator's communities.
            "volunteer": (names.get(int(a["volunteer_id"])) or a.get("volunteer_name")
                          or f"#{a['volunteer_id']}"),
            "answer": answers.get(int(a["assignment_id"])),
        }
        for a in assignments
    ]
    rows.sort(key=lambda r: (r["date"], r["start"], r["venue"], r["activity"], r["volunteer"]))
    return rows


def roster_workbook(title: str, rows: list[dict[str, Any]], answer_labels: Mapping[str, str],
                    language: str = "zh-CN") -> bytes:
    """The roster as an xlsx file: a bold header row, frozen, columns sized to their text."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    # Sheet titles may not hold []:*?/\ and are at most 31 characters.
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "roster"
    headers = ROSTER_HEADERS.get(language, ROSTER_HEADERS["zh-CN"])
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row["date"], row["start"], row["end"], row["activity"], row["venue"],
                      row["skill"], row["volunteer"],
                      answer_labels.get(row["answer"] or "none", "")])
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        values = [header] + [str(sheet.cell(r, index).value or "") for r in range(2, len(rows) + 2)]
        # CJK characters take about two columns of width.
        width = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in v) for v in values)
        sheet.column_dimensions[get_column_letter(index)].width = min(60, width + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def import_problems(fields: Mapping[str, list[str]]) -> list[dict[str, str]]:
    """The registry's `errors.rows` list (flattened as `rows[i].row`, `.column`, `.reason`)
    back into one line per bad cell, in row order."""
    found: dict[int, dict[str, str]] = {}
    for key, messages in fields.items():
        match = re.fullmatch(r"rows\[(\d+)\]\.(row|column|reason)", key)
        if match:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = "; ".join(messages)
    problems = [found[i] for i in sorted(found)]
    problems.sort(key=lambda p: int(p["row"]) if p.get("row", "").isdigit() else 0)
    return problems


def attendance_times(day: str, start: str, hours: float, zone: str) -> tuple[datetime, datetime]:
    """Check-in at the shift's start (local time) and check-out the given hours later."""
    tz = ZoneInfo(zone)
    hh, mm = (int(part) for part in start.split(":")[:2])
    begin = datetime.combine(date.fromisoformat(day), time(hh % 24, mm), tz)
    return begin, begin + timedelta(hours=hours)


def local_time(value: str | None, zone: str) -> str:
    """An ISO instant as local `YYYY-MM-DD HH:MM` (blank when missing or unreadable)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def shift_hours(start: str, end: str) -> float:
    """Scheduled length of a shift in hours (an end before the start ends the next day)."""
    def minutes(text: str) -> int:
        hh, mm = (int(part) for part in text.split(":")[:2])
        return hh * 60 + mm

    length = minutes(end) - minutes(start)
    if length <= 0:
        length += 24 * 60
    return round(length / 60, 2)
