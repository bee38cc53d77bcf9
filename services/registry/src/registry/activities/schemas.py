"""Schemas of activities, their recurrence and shift generation."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from registry.common import Float, Id, Int, IsoDate, ListArgs, QueryId, Text, TimeOfDay
from registry.domain.recurrence import KINDS, RecurrenceError, recurrence_from_record
from registry.domain.vocabulary import SKILLS


class NeedSchema(Schema):
    """How many volunteers with a skill a shift needs."""

    skill = fields.String(required=True, validate=validate.OneOf(sorted(SKILLS)))
    min = Int(0, 500, required=True)
    max = Int(0, 500, required=True)

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if "min" in data and "max" in data and data["min"] > data["max"]:
            raise ValidationError("must not be below min", "max")


class RecurrenceSchema(Schema):
    """When the activity happens."""

    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    start_date = IsoDate(required=True)
    end_date = IsoDate(required=True)
    weekdays = fields.List(Int(0, 6), load_default=list, validate=validate.Length(max=7))

    @validates_schema
    def _rule(self, data: dict[str, Any], **_: Any) -> None:
        try:
            recurrence_from_record(data)
        except RecurrenceError as exc:
            raise ValidationError(exc.message, exc.field or "kind") from exc


def needs_list() -> fields.List:
    """A list of needs, at most one per skill."""
    return fields.List(
        fields.Nested(NeedSchema), load_default=list, validate=validate.Length(max=len(SKILLS))
    )


class ActivityInSchema(Schema):
    """Writable fields of an activity."""

    community_id = Id(required=True)
    venue_id = Id(required=True)
    room_id = Id(allow_none=True, load_default=None)
    type_code = Text(64, 1, required=True)
    name = Text(200, 1, required=True)
    description = Text(2000, allow_none=True, load_default=None)
    recurrence = fields.Nested(RecurrenceSchema, required=True)
    start_time = TimeOfDay(required=True)
    end_time = TimeOfDay(required=True)
    needs = needs_list()
    min_age = Int(0, 120, allow_none=True, load_default=None)
    max_age = Int(0, 120, allow_none=True, load_default=None)
    requires_vetting = fields.Boolean(load_default=False)
    requires_insurance = fields.Boolean(load_default=False)
    requires_party_lead = fields.Boolean(load_default=False)
    children_present = fields.Boolean(load_default=False)
    expected_pupils = Int(0, 10_000, allow_none=True, load_default=None)
    priority = Int(1, 5, load_default=3)
    group_label = Text(100, allow_none=True, load_default=None)
    radius_km = Float(0, 500, allow_none=True, load_default=None)

    @validates_schema
    def _rules(self, data: dict[str, Any], partial: Any = None, **_: Any) -> None:
        if partial:
            return  # checked again after merging with the stored record
        errors = activity_rule_errors(data)
        if errors:
            raise ValidationError(errors)


def activity_rule_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    """Cross-field rules of a complete activity."""
    errors: dict[str, list[str]] = {}
    if data["start_time"] >= data["end_time"]:
        errors["end_time"] = ["结束时间须晚于开始时间 must be after start_time"]
    low, high = data.get("min_age"), data.get("max_age")
    if low is not None and high is not None and low > high:
        errors["max_age"] = ["不能小于 min_age must not be below min_age"]
    skills = [need["skill"] for need in data.get("needs") or []]
    if len(skills) != len(set(skills)):
        errors["needs"] = ["每种技能只能出现一次 one entry per skill"]
    return errors


class ActivitySchema(ActivityInSchema):
    """An activity as returned."""

    id = Id(dump_only=True)
    version = fields.Integer(dump_only=True)


class ActivityListArgs(ListArgs):
    """Filters of the activity list."""

    community_id = fields.List(QueryId())
    venue_id = QueryId()
    type_code = Text(64)
    q = Text(100)


class GenerateSchema(Schema):
    """The date range to generate shifts for (inclusive)."""

    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)

    @validates_schema
    def _range(self, data: dict[str, Any], **_: Any) -> None:
        if data["end_date"] < data["start_date"]:
            raise ValidationError("must not be before start_date", "end_date")
        if (data["end_date"] - data["start_date"]).days > 731:
            raise ValidationError("at most two years at a time", "end_date")
        if data["start_date"] < date(2000, 1, 1):
            raise ValidationError("too early", "start_date")


class GenerateResultSchema(Schema):
    """What a generation run did."""

    activity_id = fields.Integer(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    created = fields.Integer(required=True)
    kept = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)
