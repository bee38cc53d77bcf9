"""Schemas of shifts."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from registry.activities.schemas import NeedSchema, needs_list
from registry.common import Id, ListArgs, QueryId, TimeOfDay

STATUSES = ("scheduled", "cancelled")


class ShiftPatchSchema(Schema):
    """Fields a coordinator may change by hand (the shift is then marked edited)."""

    venue_id = Id()
    room_id = Id(allow_none=True)
    date = fields.Date()
    start_time = TimeOfDay()
    end_time = TimeOfDay()
    needs = fields.List(fields.Nested(NeedSchema), validate=validate.Length(max=20))

    @validates_schema
    def _times(self, data: dict[str, Any], **_: Any) -> None:
        if "start_time" in data and "end_time" in data and data["start_time"] >= data["end_time"]:
            raise ValidationError("must be after start_time", "end_time")


class ShiftSchema(Schema):
    """A shift as returned."""

    id = Id(dump_only=True)
    version = fields.Integer(dump_only=True)
    activity_id = Id(dump_only=True)
    community_id = Id(dump_only=True)
    venue_id = Id(dump_only=True)
    room_id = Id(dump_only=True, allow_none=True)
    date = fields.Date(dump_only=True)
    start_time = TimeOfDay(dump_only=True)
    end_time = TimeOfDay(dump_only=True)
    needs = needs_list()
    status = fields.String(dump_only=True, validate=validate.OneOf(STATUSES))
    edited = fields.Boolean(dump_only=True)
    planned = fields.Boolean(dump_only=True)
    cancelled_by_hand = fields.Boolean(dump_only=True)


class ShiftListArgs(ListArgs):
    """Filters of the shift list."""

    community_id = fields.List(QueryId())
    venue_id = QueryId()
    activity_id = QueryId()
    status = fields.String(validate=validate.OneOf(STATUSES))
    start = fields.Date(metadata={"description": "从该日起 from this date"})
    end = fields.Date(metadata={"description": "至该日止 up to this date"})
    planned = fields.Boolean()


class ShiftImportReportSchema(Schema):
    """Result of a shift import that passed validation."""

    dry_run = fields.Boolean(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    rows = fields.Integer(required=True)


class ShiftExportArgs(ShiftListArgs):
    """Options of a shift export."""

    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))
