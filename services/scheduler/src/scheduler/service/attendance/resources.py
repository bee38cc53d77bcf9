"""HTTP endpoints of attendance and service hours."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from scheduler.service.attendance import service
from scheduler.service.attendance.schemas import (
    AbsentSchema,
    AttendanceSchema,
    ConfirmSchema,
    CorrectionSchema,
    ExportArgs,
    HoursEntrySchema,
    LedgerSchema,
    TimeSchema,
)
from scheduler.service.auth import current_principal
from scheduler.service.db import db

blp = Blueprint("Attendance", __name__, description="签到与服务时长 Attendance and service hours")


@blp.route("/assignments/<int:assignment_id>/attendance")
class AttendanceItem(MethodView):
    """Attendance of one assignment."""

    @blp.response(200, AttendanceSchema)
    def get(self, assignment_id: int) -> Any:
        """Check-in, check-out and confirmation of a published assignment."""
        record = service.attendance_of(db.session, current_principal(), assignment_id)
        db.session.commit()
        return record


@blp.route("/assignments/<int:assignment_id>/check-in")
class CheckIn(MethodView):
    """Arrival."""

    @blp.arguments(TimeSchema)
    @blp.response(200, AttendanceSchema)
    def post(self, data: dict[str, Any], assignment_id: int) -> Any:
        """Check in (now, or at the given time)."""
        record = service.check_in(db.session, current_principal(), assignment_id, data.get("at"))
        db.session.commit()
        return record


@blp.route("/assignments/<int:assignment_id>/check-out")
class CheckOut(MethodView):
    """Departure."""

    @blp.arguments(TimeSchema)
    @blp.response(200, AttendanceSchema)
    def post(self, data: dict[str, Any], assignment_id: int) -> Any:
        """Check out (now, or at the given time)."""
        record = service.check_out(db.session, current_principal(), assignment_id,
                                   data.get("at"))
        db.session.commit()
        return record


@blp.route("/assignments/<int:assignment_id>/absent")
class Absent(MethodView):
    """A no-show."""

    @blp.arguments(AbsentSchema)
    @blp.response(200, AttendanceSchema)
    @blp.alt_response(409, description="Already checked in or confirmed")
    def post(self, data: dict[str, Any], assignment_id: int) -> Any:
        """Record that the volunteer did not come (optional reason); no hours are earned."""
        record = service.mark_absent(db.session, current_principal(), assignment_id,
                                     data.get("reason"))
        db.session.commit()
        return record


@blp.route("/assignments/<int:assignment_id>/confirm")
class Confirm(MethodView):
    """Confirmation of hours."""

    @blp.arguments(ConfirmSchema)
    @blp.response(201, HoursEntrySchema)
    def post(self, data: dict[str, Any], assignment_id: int) -> Any:
        """Confirm the served hours: appends one line to the volunteer's ledger."""
        entry = service.confirm(db.session, current_principal(), assignment_id,
                                issuer=data.get("issuer"), content=data.get("content"))
        db.session.commit()
        return entry


@blp.route("/volunteers/<int:volunteer_id>/hours")
class Ledger(MethodView):
    """A volunteer's service hours."""

    @blp.response(200, LedgerSchema)
    def get(self, volunteer_id: int) -> Any:
        """Ledger lines, total confirmed hours and star level."""
        return service.ledger(db.session, current_principal(), volunteer_id)


@blp.route("/volunteers/<int:volunteer_id>/hours/corrections")
class Corrections(MethodView):
    """Corrections."""

    @blp.arguments(CorrectionSchema)
    @blp.response(201, HoursEntrySchema)
    def post(self, data: dict[str, Any], volunteer_id: int) -> Any:
        """Append a correction line; earlier lines are never changed."""
        entry = service.correct(db.session, current_principal(), volunteer_id, data)
        db.session.commit()
        return entry


@blp.route("/hours/export")
class Export(MethodView):
    """Export for certificates and the national volunteer system."""

    @blp.arguments(ExportArgs, location="query")
    @blp.response(200, description="CSV or xlsx file")
    def get(self, args: dict[str, Any]) -> Response:
        """Confirmed hours with the fields of 志愿服务记录证明 (CSV or xlsx)."""
        registry = current_app.extensions["scheduler_registry"]
        lookup = registry.volunteer if args["with_identity"] else None
        rows = service.export_rows(db.session, current_principal(), args.get("community_id"),
                                   args.get("start"), args.get("end"), lookup)
        if args["format"] == "xlsx":
            return Response(
                service.to_xlsx(rows),
                mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                headers={"Content-Disposition": 'attachment; filename="service-hours.xlsx"'},
            )
        return Response(service.to_csv(rows), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="service-hours.csv"'})
