"""Schemas of shift lists and portal answers."""

from __future__ import annotations

from marshmallow import Schema, fields

from notifier.web import UtcDateTime


class ShiftAnswerSchema(Schema):
    """One assignment as the volunteer sees it, with its latest answer."""

    assignment_id = fields.Integer()
    volunteer_id = fields.Integer()
    plan_id = fields.Integer()
    plan_version = fields.Integer()
    role = fields.String()
    status = fields.String(metadata={"description": "assigned or cancelled"})
    shift = fields.Dict()
    starts_at = UtcDateTime()
    ends_at = UtcDateTime()
    response = fields.String(allow_none=True, metadata={"description": "confirmed, declined"})
    reason = fields.String(allow_none=True)
    responded_at = UtcDateTime(allow_none=True)
    channel = fields.String(allow_none=True)
