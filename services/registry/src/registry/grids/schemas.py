"""Schemas of grids."""

from __future__ import annotations

from marshmallow import Schema, fields

from registry.common import Id, Int, ListArgs, QueryId, Text


class GridInSchema(Schema):
    """Writable fields of a grid."""

    community_id = Id(required=True)
    name = Text(200, 1, required=True)
    households = Int(0, 100_000, allow_none=True, load_default=None)
    station = Text(200, allow_none=True, load_default=None)


class GridSchema(GridInSchema):
    """A grid as returned."""

    id = Id(dump_only=True)
    version = fields.Integer(dump_only=True)


class GridListArgs(ListArgs):
    """Filters of the grid list."""

    community_id = QueryId()
    q = Text(100)
