"""Schemas of the inbox."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from notifier.responses.schemas import RESPONSES
from notifier.web import MAX_ID, PageSchema, UtcDateTime


class InboxQuerySchema(PageSchema):
    """Whose inbox, and whether only unread messages."""

    volunteer_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    unread = fields.Boolean(load_default=False)


class ActionSchema(Schema):
    """A button on a message: answer an assignment."""

    assignment_id = fields.Integer()
    responses = fields.List(fields.String())


class InboxMessageSchema(Schema):
    """One message in the inbox."""

    id = fields.Integer(dump_only=True)
    notification_id = fields.Integer(dump_only=True)
    volunteer_id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    body = fields.String(dump_only=True)
    actions = fields.List(fields.Nested(ActionSchema), dump_only=True)
    created_at = UtcDateTime(dump_only=True)
    read_at = UtcDateTime(dump_only=True, allow_none=True)


class InboxPageSchema(Schema):
    """A page of inbox messages."""

    items = fields.List(fields.Nested(InboxMessageSchema))
    total = fields.Integer()
    unread = fields.Integer()


class InboxRespondSchema(Schema):
    """Answer one of a message's assignments."""

    assignment_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    response = fields.String(required=True, validate=validate.OneOf(RESPONSES))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
