"""Schemas of webhook targets (secrets are write-only)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from notifier.web import MAX_ID, UtcDateTime

KINDS = ("webhook", "wecom", "dingtalk")


class TargetInSchema(Schema):
    """A new target."""

    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False,
                     validate=validate.Length(max=2000))
    secret = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=200), load_only=True)
    community_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))


class TargetSchema(Schema):
    """A stored target; its secret is never shown."""

    id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    url = fields.String()
    community_id = fields.Integer(allow_none=True)
    volunteer_id = fields.Integer(allow_none=True)
    enabled = fields.Boolean()
    has_secret = fields.Method("_has_secret")
    created_at = UtcDateTime()

    def _has_secret(self, target: object) -> bool:
        return bool(getattr(target, "secret_ciphertext", None))


class TargetQuerySchema(Schema):
    """Filter of the target list."""

    community_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
