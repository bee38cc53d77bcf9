"""Schemas of the delivery log."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from notifier.domain.channels import EXTERNAL_CHANNELS
from notifier.web import UtcDateTime


class AttemptSchema(Schema):
    """One call to a provider."""

    id = fields.Integer()
    idempotency_key = fields.String()
    status = fields.String()
    error = fields.String(allow_none=True)
    provider_message_id = fields.String(allow_none=True)
    started_at = UtcDateTime()
    finished_at = UtcDateTime()


class DeliverySchema(Schema):
    """A notification on one channel."""

    id = fields.Integer()
    channel = fields.String()
    status = fields.String()
    idempotency_key = fields.String()
    not_before = UtcDateTime()
    failures = fields.Integer()
    last_error = fields.String(allow_none=True)
    sent_at = UtcDateTime(allow_none=True)
    attempts = fields.List(fields.Nested(AttemptSchema))


class DeliveryLogSchema(Schema):
    """A notification with every delivery and attempt."""

    id = fields.Integer()
    volunteer_id = fields.Integer()
    kind = fields.String()
    subject = fields.String()
    language = fields.String()
    created_at = UtcDateTime()
    deliveries = fields.List(fields.Nested(DeliverySchema))


class ResendSchema(Schema):
    """Which delivery to send again (the notification's only one when omitted)."""

    channel = fields.String(validate=validate.OneOf(EXTERNAL_CHANNELS))
