"""Schemas of activity types."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.common import Id, ListArgs, QueryId, Text
from registry.domain.vocabulary import SKILLS

CODE = validate.Regexp(r"^[a-z][a-z0-9_]{1,63}$", error="lower-case letters, digits and _")


class ActivityTypeInSchema(Schema):
    """Writable fields of a community's own activity type."""

    code = fields.String(required=True, validate=CODE)
    name_zh = Text(100, 1, required=True)
    name_en = Text(100, load_default="")
    default_skill = fields.String(load_default="general", validate=validate.OneOf(sorted(SKILLS)))
    children_present = fields.Boolean(load_default=False)
    outreach = fields.Boolean(load_default=False)
    risky = fields.Boolean(load_default=False)
    community_id = Id(required=True)


class ActivityTypeUpdateSchema(ActivityTypeInSchema):
    """Fields that may change (the code and community stay)."""

    class Meta:
        exclude = ("code", "community_id")


class ActivityTypeSchema(ActivityTypeInSchema):
    """An activity type as returned (community_id null = built in)."""

    id = Id(dump_only=True)
    version = fields.Integer(dump_only=True)
    community_id = Id(allow_none=True)
    built_in = fields.Boolean(dump_only=True)


class ActivityTypeListArgs(ListArgs):
    """Filters of the activity type list."""

    community_id = QueryId()
    built_in = fields.Boolean()
