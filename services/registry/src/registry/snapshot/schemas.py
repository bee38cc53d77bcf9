"""Schemas of the planning snapshot."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from registry.activities.schemas import NeedSchema
from registry.common import ListArgs, QueryId, TimeOfDay
from registry.communities.schemas import PairingSchema
from registry.venues.schemas import VenueSchema
from registry.volunteers.schemas import VolunteerInSchema

MAX_DAYS = 366


class SnapshotArgs(ListArgs):
    """Which communities and dates to plan."""

    community_id = fields.List(QueryId(), required=True, validate=validate.Length(1, 200))
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    mark_planned = fields.Boolean(
        load_default=True, metadata={"description": "标记班次已纳入排班 mark shifts planned"}
    )

    @validates_schema
    def _range(self, data: dict[str, Any], **_: Any) -> None:
        if data["end"] < data["start"]:
            raise ValidationError("must not be before start", "end")
        if (data["end"] - data["start"]).days > MAX_DAYS:
            raise ValidationError(f"at most {MAX_DAYS} days", "end")


class SnapshotCommunitySchema(Schema):
    """A community in the snapshot."""

    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    district = fields.String()
    calendar_region = fields.String()
    requested = fields.Boolean(metadata={"description": "请求的社区（否则为结对社区）"})
    pairings = fields.List(fields.Nested(PairingSchema))


class SnapshotVolunteerSchema(VolunteerInSchema):
    """A volunteer without phone, ID number, guardian or contact details."""

    class Meta:
        exclude = ("phone", "id_number", "guardian_name", "contact_channels")

    id = fields.Integer()


class SnapshotShiftSchema(Schema):
    """A scheduled shift with its activity's requirements."""

    id = fields.Integer()
    activity_id = fields.Integer()
    community_id = fields.Integer()
    venue_id = fields.Integer()
    room_id = fields.Integer(allow_none=True)
    date = fields.Date()
    start_time = TimeOfDay()
    end_time = TimeOfDay()
    needs = fields.List(fields.Nested(NeedSchema))
    activity = fields.Dict(metadata={"description": "活动要求 the activity's requirements"})


class SnapshotSchema(Schema):
    """Everything the scheduler needs, read in one consistent transaction."""

    snapshot_at = fields.DateTime(required=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    community_ids = fields.List(fields.Integer(), required=True)
    communities = fields.List(fields.Nested(SnapshotCommunitySchema), required=True)
    venues = fields.List(fields.Nested(VenueSchema), required=True)
    volunteers = fields.List(fields.Nested(SnapshotVolunteerSchema), required=True)
    shifts = fields.List(fields.Nested(SnapshotShiftSchema), required=True)
    activity_types = fields.List(fields.Dict(), required=True)
