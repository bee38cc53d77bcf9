"""Schemas of the response links."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from notifier.web import UtcDateTime

RESPONSES = ("confirmed", "declined")


class ResponseArgsSchema(Schema):
    """Query of a response link: which answer the button pre-selects."""

    response = fields.String(validate=validate.OneOf(RESPONSES))


class ResponseInSchema(Schema):
    """Body of a response."""

    response = fields.String(required=True, validate=validate.OneOf(RESPONSES))
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=500))


class ResponseLinkSchema(Schema):
    """What a response link is about, and whether it was used."""

    assignment_id = fields.Integer()
    volunteer_id = fields.Integer()
    plan_id = fields.Integer()
    role = fields.String()
    activity_name = fields.String()
    date = fields.String()
    start = fields.String()
    end = fields.String()
    venue_name = fields.String(allow_none=True)
    status = fields.String()
    suggested = fields.String(allow_none=True)
    answered = fields.String(allow_none=True)


class ResponseOutSchema(Schema):
    """A recorded response."""

    assignment_id = fields.Integer()
    volunteer_id = fields.Integer()
    response = fields.String()
    reason = fields.String(allow_none=True)
    channel = fields.String()
    responded_at = UtcDateTime()
