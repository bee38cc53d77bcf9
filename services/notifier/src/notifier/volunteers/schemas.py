"""Schemas of channel settings; phones are accepted in full and shown masked."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from notifier.domain.channels import ALL_CHANNELS
from notifier.domain.templates import LANGUAGES
from notifier.web import MAX_ID, UtcDateTime

CLOCK = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="must be HH:MM")
PHONE = validate.Regexp(r"^(\+86)?1[3-9]\d{9}$", error="must be a mainland mobile number")


class SettingsInSchema(Schema):
    """Fields to set; omitted fields keep their value, null clears a field."""

    community_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    display_name = fields.String(allow_none=True, validate=validate.Length(max=100))
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    email = fields.Email(allow_none=True)
    phone = fields.String(allow_none=True, validate=PHONE, load_only=True)
    channels = fields.List(fields.String(validate=validate.OneOf(ALL_CHANNELS)),
                           validate=validate.Length(max=len(ALL_CHANNELS)))
    consents = fields.Dict(keys=fields.String(validate=validate.OneOf(ALL_CHANNELS)),
                           values=fields.Boolean())
    webhook_url = fields.Url(allow_none=True, schemes={"http", "https"}, require_tld=False,
                             load_only=True, validate=validate.Length(max=2000))
    webhook_secret = fields.String(allow_none=True, load_only=True,
                                   validate=validate.Length(max=200))
    robot_target_id = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=MAX_ID))
    quiet_start = fields.String(allow_none=True, validate=CLOCK)
    quiet_end = fields.String(allow_none=True, validate=CLOCK)


class SettingsSchema(Schema):
    """Stored settings as the caller may see them."""

    volunteer_id = fields.Integer()
    community_id = fields.Integer(allow_none=True)
    display_name = fields.String(allow_none=True)
    language = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True, attribute="phone_masked")
    channels = fields.List(fields.String())
    consents = fields.Dict(keys=fields.String(), values=fields.String())
    webhook_target_id = fields.Integer(allow_none=True)
    robot_target_id = fields.Integer(allow_none=True)
    quiet_start = fields.String(allow_none=True)
    quiet_end = fields.String(allow_none=True)
    calendar_url = fields.String(allow_none=True)
    updated_at = UtcDateTime()
