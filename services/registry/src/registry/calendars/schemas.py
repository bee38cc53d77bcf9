"""Schemas of region calendars."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from registry.common import Int, IsoDate, Text


class PeriodSchema(Schema):
    """A named period (term or break), dates inclusive."""

    name = Text(100, load_default="")
    start = IsoDate(required=True)
    end = IsoDate(required=True)

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if "start" in data and "end" in data and data["end"] < data["start"]:
            raise ValidationError("must not be before start", "end")


def _dates() -> fields.List:
    return fields.List(IsoDate(), load_default=list, validate=validate.Length(max=1000))


def _periods() -> fields.List:
    return fields.List(
        fields.Nested(PeriodSchema), load_default=list, validate=validate.Length(max=100)
    )


YEAR = Int(2000, 2100)


class CalendarInSchema(Schema):
    """A whole region calendar (PUT replaces it)."""

    holidays = _dates()
    workdays = _dates()
    terms = _periods()
    breaks = _periods()
    confirmed_years = fields.List(
        Int(2000, 2100), load_default=list, validate=validate.Length(max=100)
    )

    @validates_schema
    def _disjoint(self, data: dict[str, Any], **_: Any) -> None:
        both = set(data.get("holidays", [])) & set(data.get("workdays", []))
        if both:
            raise ValidationError(
                f"既是假日又是调休工作日 both holiday and workday: {', '.join(sorted(both))}",
                "workdays",
            )


class CalendarSchema(CalendarInSchema):
    """A region calendar as returned."""

    id = fields.Integer(dump_only=True)
    region = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)
    official_years = fields.List(
        fields.Integer(), dump_only=True, metadata={"description": "chinesecalendar 覆盖的年份"}
    )


class DatesSchema(Schema):
    """Dates to add to a list."""

    dates = fields.List(fields.Date(), required=True, validate=validate.Length(1, 400))


class ConfirmSchema(Schema):
    """A year whose official dates a coordinator has loaded."""

    year = Int(2000, 2100, required=True)


REGION = r"^[A-Za-z0-9_\-]{1,64}$"
