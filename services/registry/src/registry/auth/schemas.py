"""Schemas of the token endpoint."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.common import Text


class TokenRequestSchema(Schema):
    """Username and password (user or service credentials)."""

    username = Text(100, 1, required=True)
    password = Text(200, 1, required=True, load_only=True)


class VolunteerTokenRequestSchema(Schema):
    """Which volunteer a service asks a token for."""

    volunteer_id = fields.Integer(required=True, strict=True,
                                  validate=validate.Range(min=1, max=2**31 - 1))


class TokenSchema(Schema):
    """An access token."""

    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True)
    role = fields.String(required=True)
