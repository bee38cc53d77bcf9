"""Schemas of venues and rooms."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from registry.common import Float, Hhmm, Id, Int, ListArgs, QueryId, Text

VENUE_KINDS = (
    "neighbourhood_centre",
    "party_service_centre",
    "satellite_point",
    "school_gate",
    "canteen",
    "other",
)


class RoomInSchema(Schema):
    """Writable fields of a room."""

    name = Text(200, 1, required=True)
    kind = Text(64, allow_none=True, load_default=None)
    capacity = Int(0, 10_000, allow_none=True, load_default=None)


class RoomSchema(RoomInSchema):
    """A room as returned."""

    id = Id(dump_only=True)


class OpeningHoursSchema(Schema):
    """Opening hours on one weekday (0 = Monday)."""

    weekday = Int(0, 6, required=True)
    open = Hhmm(required=True)
    close = Hhmm(required=True)

    @validates_schema
    def _open_before_close(self, data: dict[str, Any], **_: Any) -> None:
        if "open" in data and "close" in data and data["open"] >= data["close"]:
            raise ValidationError("must be later than open", "close")


class VenueInSchema(Schema):
    """Writable fields of a venue; `rooms` replaces the room list (rooms keep ids by name)."""

    community_id = Id(required=True)
    name = Text(200, 1, required=True)
    kind = fields.String(load_default="other", validate=validate.OneOf(VENUE_KINDS))
    address = Text(500, allow_none=True, load_default=None)
    lat = Float(-90, 90, allow_none=True, load_default=None)
    lon = Float(-180, 180, allow_none=True, load_default=None)
    opening_hours = fields.List(
        fields.Nested(OpeningHoursSchema), load_default=list, validate=validate.Length(max=50)
    )
    after_school_start = Hhmm(load_default="16:30")
    tutor_pupil_ratio = Int(1, 100, allow_none=True, load_default=None)
    rooms = fields.List(
        fields.Nested(RoomInSchema), load_default=list, validate=validate.Length(max=100)
    )

    @validates_schema
    def _coordinates_together(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise ValidationError("lat and lon go together", "lon")
        names = [room["name"] for room in data.get("rooms", [])]
        if len(names) != len(set(names)):
            raise ValidationError("room names must be unique", "rooms")


class VenueSchema(VenueInSchema):
    """A venue as returned."""

    id = Id(dump_only=True)
    version = fields.Integer(dump_only=True)
    rooms = fields.List(fields.Nested(RoomSchema), dump_only=True)


class VenueListArgs(ListArgs):
    """Filters of the venue list."""

    community_id = QueryId()
    kind = fields.String(validate=validate.OneOf(VENUE_KINDS))
    q = Text(100)
