"""Schemas of attendance, the service-hours ledger and its export."""

from __future__ import annotations

from marshmallow import fields, validate

from scheduler.service.common import Id, StrictSchema, Text


class TimeSchema(StrictSchema):
    """When it happened (default: now)."""

    at = fields.AwareDateTime()


class AttendanceSchema(StrictSchema):
    """Check-in, check-out, confirmation or recorded absence of one assignment."""

    assignment_id = fields.Integer(dump_only=True)
    volunteer_id = fields.Integer(dump_only=True)
    check_in_at = fields.DateTime(dump_only=True, allow_none=True)
    check_out_at = fields.DateTime(dump_only=True, allow_none=True)
    confirmed_at = fields.DateTime(dump_only=True, allow_none=True)
    confirmed_by = fields.Integer(dump_only=True, allow_none=True)
    absent_at = fields.DateTime(dump_only=True, allow_none=True)
    absent_by = fields.Integer(dump_only=True, allow_none=True)
    absent_reason = fields.String(dump_only=True, allow_none=True)


class AbsentSchema(StrictSchema):
    """A no-show recorded by the organiser, with an optional reason."""

    reason = Text(200, allow_none=True, metadata={
        "description": "why the volunteer did not come (at most 200 characters)"})


class ConfirmSchema(StrictSchema):
    """Confirmation of served hours by the organiser."""

    issuer = Text(200)
    content = Text(200)


class HoursEntrySchema(StrictSchema):
    """One line of the service-hours ledger."""

    id = fields.Integer(dump_only=True)
    volunteer_id = fields.Integer(dump_only=True)
    community_id = fields.Integer(dump_only=True)
    assignment_id = fields.Integer(dump_only=True, allow_none=True)
    kind = fields.String(dump_only=True)
    corrects_id = fields.Integer(dump_only=True, allow_none=True)
    hours = fields.Float(dump_only=True)
    service_date = fields.Date(dump_only=True)
    content = fields.String(dump_only=True)
    issuer = fields.String(dump_only=True)
    serial_number = fields.String(dump_only=True)
    note = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class LedgerSchema(StrictSchema):
    """A volunteer's ledger, total hours and star level (100/300/600/1000/1500 h)."""

    volunteer_id = fields.Integer(dump_only=True)
    total_hours = fields.Float(dump_only=True)
    stars = fields.Integer(dump_only=True)
    entries = fields.List(fields.Nested(HoursEntrySchema), dump_only=True)


class CorrectionSchema(StrictSchema):
    """A correction: signed hours added to an earlier line, with a note."""

    corrects_id = Id(required=True)
    hours = fields.Float(required=True, validate=validate.Range(-24, 24))
    note = Text(500, 1, required=True)


class ExportArgs(StrictSchema):
    """Which confirmed hours to export, and how."""

    community_id = Id(strict=False)
    start = fields.Date()
    end = fields.Date()
    format = fields.String(load_default="csv", validate=validate.OneOf(("csv", "xlsx")))
    with_identity = fields.Boolean(load_default=False, metadata={
        "description": "fetch names and ID numbers from the registry for certificates"})
