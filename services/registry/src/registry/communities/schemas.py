"""Schemas of communities and pairings."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.common import Id, ListArgs, Text

PAIRING_KINDS = ("结对共建", "友好社区")


class PairingSchema(Schema):
    """A pairing seen from one community."""

    partner_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(PAIRING_KINDS))


class CommunityInSchema(Schema):
    """Writable fields of a community."""

    code = Text(64, 1, required=True)
    name = Text(200, 1, required=True)
    district = Text(200, load_default="")
    calendar_region = Text(64, 1, load_default="CN")


class CommunitySchema(CommunityInSchema):
    """A community as returned."""

    id = Id(dump_only=True)
    version = fields.Integer(dump_only=True)
    pairings = fields.List(fields.Nested(PairingSchema), dump_only=True)


class CommunityListArgs(ListArgs):
    """Filters of the community list."""

    code = Text(64)
    district = Text(200)
    q = Text(100, metadata={"description": "名称包含 name contains"})
