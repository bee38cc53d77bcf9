"""Attendance use cases as plain functions (no Flask)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.service.auth import Principal
from scheduler.service.convert import shift_index
from scheduler.service.errors import Conflict, Invalid, NotFound
from scheduler.service.models import (
    Assignment,
    Attendance,
    HoursEntry,
    Plan,
    VersionAssignment,
    as_utc,
    utcnow,
)
from scheduler.service.plans import store

#: Cumulative hours from which a volunteer holds 1 to 5 stars.
STAR_THRESHOLDS = (100, 300, 600, 1000, 1500)
ID_TYPE = "居民身份证"
EXPORT_COLUMNS = (
    ("name", "姓名"), ("id_type", "证件类型"), ("id_number", "证件号码"),
    ("hours", "服务时长（小时）"), ("content", "服务内容"), ("issuer", "出具单位"),
    ("serial_number", "编号"), ("date", "日期"),
)


def stars(total_hours: float) -> int:
    """Star level (0–5) for a cumulative number of service hours."""
    return sum(1 for threshold in STAR_THRESHOLDS if total_hours >= threshold)


def _published_assignment(
    session: Session, principal: Principal, assignment_id: int
) -> tuple[Assignment, Plan, dict[str, Any]]:
    """The assignment, its plan and shift, if visible and part of the published version."""
    identity = session.get(Assignment, assignment_id) if assignment_id <= 2**31 - 1 else None
    if identity is None:
        raise NotFound()
    plan = session.get(Plan, identity.plan_id)
    assert plan is not None
    own = principal.role == "volunteer" and principal.volunteer_id == identity.volunteer_id
    if not (own or (principal.role != "volunteer" and principal.can_see_all(plan.community_ids))):
        raise NotFound()
    if not plan.published_version:
        raise Conflict("not_published")
    version = store.version_of(session, plan, plan.published_version)
    row = session.get(VersionAssignment, (version.id, identity.id))
    if row is None:
        raise Conflict("not_published")
    shift = shift_index(version.problem)[str(identity.shift_id)]
    return identity, plan, shift


def attendance_of(session: Session, principal: Principal, assignment_id: int) -> Attendance:
    """The attendance record of an assignment (created empty when first asked for)."""
    identity, _plan, _shift = _published_assignment(session, principal, assignment_id)
    record = session.scalars(
        select(Attendance).where(Attendance.assignment_id == identity.id)
    ).first()
    if record is None:
        record = Attendance(assignment_id=identity.id, volunteer_id=identity.volunteer_id)
        session.add(record)
        session.flush()
    return record


def check_in(session: Session, principal: Principal, assignment_id: int,
             at: datetime | None) -> Attendance:
    """Record the arrival (now, or the given time)."""
    record = attendance_of(session, principal, assignment_id)
    if record.confirmed_at is not None:
        raise Conflict("already_confirmed")
    if record.absent_at is not None:
        raise Conflict("marked_absent")
    record.check_in_at = at or utcnow()
    return record


def mark_absent(session: Session, principal: Principal, assignment_id: int,
                reason: str | None) -> Attendance:
    """Record a no-show (with an optional reason); the assignment then earns no hours.

    Asking again only updates the reason: the first recording's time and author stay."""
    if principal.role == "volunteer":
        raise NotFound()
    record = attendance_of(session, principal, assignment_id)
    if record.confirmed_at is not None:
        raise Conflict("already_confirmed")
    if record.check_in_at is not None:
        raise Conflict("already_checked_in")
    if record.absent_at is None:
        record.absent_at = utcnow()
        record.absent_by = principal.user_id
    record.absent_reason = (reason or "").strip() or None
    return record


def check_out(session: Session, principal: Principal, assignment_id: int,
              at: datetime | None) -> Attendance:
    """Record the departure (now, or the given time); it must follow the check-in."""
    record = attendance_of(session, principal, assignment_id)
    if record.confirmed_at is not None:
        raise Conflict("already_confirmed")
    if record.check_in_at is None:
        raise Conflict("checkin_first")
    when = at or utcnow()
    if when <= as_utc(record.check_in_at):  # type: ignore[operator]
        raise Invalid("bad_checkout", errors={"json": {"at": ["bad_checkout"]}})
    record.check_out_at = when
    return record


def hours_of(record: Attendance) -> float:
    """Hours served: check-out minus check-in, to the quarter hour below."""
    if record.absent_at is not None or record.check_in_at is None or record.check_out_at is None:
        return 0.0
    seconds = (as_utc(record.check_out_at) - as_utc(record.check_in_at)).total_seconds()  # type: ignore[operator]
    return max(0.0, int(seconds / 900) / 4)


def _serial(day: date) -> str:
    return f"LL{day:%Y%m%d}{uuid.uuid4().hex[:10].upper()}"


def confirm(
    session: Session, principal: Principal, assignment_id: int, *, issuer: str | None,
    content: str | None,
) -> HoursEntry:
    """Confirm the hours of a checked-out assignment: one new ledger line."""
    if principal.role == "volunteer":
        raise NotFound()
    identity, _plan, shift = _published_assignment(session, principal, assignment_id)
    record = attendance_of(session, principal, assignment_id)
    if record.confirmed_at is not None:
        raise Conflict("already_confirmed")
    if record.absent_at is not None:
        raise Conflict("marked_absent")
    if record.check_out_at is None:
        raise Conflict("not_checked_out")
    record.confirmed_at = utcnow()
    record.confirmed_by = principal.user_id
    meta = shift.get("meta") or {}
    service_date = date.fromisoformat(shift["date"])
    entry = HoursEntry(
        volunteer_id=identity.volunteer_id,
        community_id=int(shift["community_id"]),
        assignment_id=identity.id,
        kind="service",
        hours=hours_of(record),
        service_date=service_date,
        content=(content or meta.get("activity_name") or shift.get("kind") or "")[:200],
        issuer=(issuer or meta.get("venue_name") or "")[:200],
        serial_number=_serial(service_date),
        created_by=principal.user_id,
    )
    session.add(entry)
    session.flush()
    return entry


def _visible_entries(session: Session, principal: Principal, volunteer_id: int) -> list[HoursEntry]:
    own = principal.role == "volunteer" and principal.volunteer_id == volunteer_id
    if principal.role == "volunteer" and not own:
        raise NotFound()
    entries = list(session.scalars(
        select(HoursEntry).where(HoursEntry.volunteer_id == volunteer_id).order_by(HoursEntry.id)
    ))
    if not own and not principal.sees_all:
        entries = [e for e in entries if e.community_id in principal.community_ids]
        if not entries:
            raise NotFound()
    return entries


def ledger(session: Session, principal: Principal, volunteer_id: int) -> dict[str, Any]:
    """A volunteer's ledger lines, total confirmed hours and star level."""
    entries = _visible_entries(session, principal, volunteer_id)
    total = round(sum(e.hours for e in entries), 2)
    return {"volunteer_id": volunteer_id, "total_hours": total, "stars": stars(total),
            "entries": entries}


def correct(
    session: Session, principal: Principal, volunteer_id: int, data: Mapping[str, Any]
) -> HoursEntry:
    """Append a correction line (a signed number of hours) referring to an earlier line."""
    if principal.role == "volunteer":
        raise NotFound()
    original = session.get(HoursEntry, data["corrects_id"])
    if original is None or original.volunteer_id != volunteer_id:
        raise NotFound()
    if not principal.sees_all and original.community_id not in principal.community_ids:
        raise NotFound()
    running = session.scalar(
        select(func.coalesce(func.sum(HoursEntry.hours), 0.0)).where(
            (HoursEntry.id == original.id) | (HoursEntry.corrects_id == original.id))
    ) or 0.0
    if running + float(data["hours"]) < 0:
        raise Invalid(errors={"json": {"hours": ["would make the line negative"]}})
    entry = HoursEntry(
        volunteer_id=volunteer_id, community_id=original.community_id,
        assignment_id=original.assignment_id, kind="correction", corrects_id=original.id,
        hours=float(data["hours"]), service_date=original.service_date,
        content=original.content, issuer=original.issuer,
        serial_number=_serial(original.service_date), note=data.get("note"),
        created_by=principal.user_id,
    )
    session.add(entry)
    session.flush()
    return entry


def export_rows(
    session: Session, principal: Principal, community_id: int | None, start: date | None,
    end: date | None, lookup: Callable[[int], Mapping[str, Any] | None] | None,
) -> list[dict[str, Any]]:
    """Confirmed hours per ledger line with the certificate fields; names and ID numbers come
    from `lookup` (the registry) only here, and stay blank when it does not give them."""
    if principal.role == "volunteer":
        raise NotFound()
    query = select(HoursEntry).order_by(HoursEntry.service_date, HoursEntry.id)
    if community_id is not None:
        if not principal.sees_all and community_id not in principal.community_ids:
            raise NotFound()
        query = query.where(HoursEntry.community_id == community_id)
    elif not principal.sees_all:
        query = query.where(HoursEntry.community_id.in_(sorted(principal.community_ids)))
    if start:
        query = query.where(HoursEntry.service_date >= start)
    if end:
        query = query.where(HoursEntry.service_date <= end)
    people: dict[int, Mapping[str, Any] | None] = {}
    rows = []
    for entry in session.scalars(query):
        if lookup is not None and entry.volunteer_id not in people:
            people[entry.volunteer_id] = lookup(entry.volunteer_id)
        person = people.get(entry.volunteer_id) or {}
        id_number = person.get("id_number") or ""
        if "*" in id_number:
            # The registry gave a masked number: a certificate needs the full one or none.
            id_number = ""
        rows.append({
            "name": person.get("name") or "",
            "id_type": ID_TYPE if id_number else "",
            "id_number": id_number,
            "hours": entry.hours,
            "content": entry.content,
            "issuer": entry.issuer,
            "serial_number": entry.serial_number,
            "date": entry.service_date.isoformat(),
        })
    return rows


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """The rows as UTF-8 CSV with a BOM (Excel opens it with the Chinese headers intact)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([title for _key, title in EXPORT_COLUMNS])
    for row in rows:
        writer.writerow([row[key] for key, _title in EXPORT_COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: list[dict[str, Any]]) -> bytes:
    """The rows as an xlsx workbook with one sheet."""
    from openpyxl import Workbook  # noqa: PLC0415 - only exports need it

    book = Workbook()
    sheet = book.active
    sheet.title = "志愿服务记录"
    sheet.append([title for _key, title in EXPORT_COLUMNS])
    for row in rows:
        sheet.append([row[key] for key, _title in EXPORT_COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
