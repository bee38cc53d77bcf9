"""Schemas of volunteers; cross-field rules (minors, qualifications, times) live here."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from registry.common import (
    Float,
    Hhmm,
    Id,
    Int,
    IsoDate,
    IsoDateTime,
    ListArgs,
    LocalDateTime,
    QueryId,
    Text,
)
from registry.domain.vocabulary import CHANNELS, GENDERS, QUALIFIED_SKILLS, SKILLS, TEAMS

PHONE = r"^1[3-9]\d{9}$"
ID_NUMBER = r"^\d{17}[\dXx]$"
SKILL = validate.OneOf(sorted(SKILLS))


def age_on(birth: date, day: date) -> int:
    """Whole years of age on a day."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class QualificationSchema(Schema):
    """A qualification backing a specialist skill."""

    skill = fields.String(required=True, validate=SKILL)
    number = Text(64, allow_none=True, load_default=None)
    verified = fields.Boolean(load_default=False)
    verified_at = IsoDateTime(allow_none=True, load_default=None)
    valid_from = IsoDate(allow_none=True, load_default=None)
    valid_until = IsoDate(allow_none=True, load_default=None)

    @validates_schema
    def _period(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and start > end:
            raise ValidationError("must not be before valid_from", "valid_until")


class AvailabilitySchema(Schema):
    """A weekly window the volunteer is available (0 = Monday)."""

    weekday = Int(0, 6, required=True)
    start = Hhmm(required=True)
    end = Hhmm(required=True)

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if "start" in data and "end" in data and data["start"] >= data["end"]:
            raise ValidationError("must be later than start", "end")


class LeaveSchema(Schema):
    """A period of leave (dates inclusive)."""

    start = IsoDate(required=True)
    end = IsoDate(required=True)
    reason = Text(200, allow_none=True, load_default=None)

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if "start" in data and "end" in data and data["start"] > data["end"]:
            raise ValidationError("must not be before start", "end")


class PreferencesSchema(Schema):
    """Venues liked and avoided, volunteers liked as partners."""

    venue_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=100))
    avoid_venue_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=100))
    partner_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=100))


class ContactChannelSchema(Schema):
    """A way to reach the volunteer and the consent to use it."""

    channel = fields.String(required=True, validate=validate.OneOf(sorted(CHANNELS)))
    address = Text(500, load_default="", metadata={"description": "站内信可留空 empty for inbox"})
    consent = fields.Boolean(load_default=False)
    consent_at = IsoDateTime(allow_none=True, load_default=None)

    @validates_schema
    def _address(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("channel", "inbox") != "inbox" and not data.get("address"):
            raise ValidationError("required for this channel", "address")


def _list(schema: type[Schema], limit: int = 50) -> fields.List:
    return fields.List(
        fields.Nested(schema), load_default=list, validate=validate.Length(max=limit)
    )


class VolunteerInSchema(Schema):
    """Writable fields of a volunteer."""

    community_id = Id(required=True)
    grid_id = Id(allow_none=True, load_default=None)
    name = Text(100, 1, required=True)
    gender = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(GENDERS))
    phone = fields.String(required=True, validate=validate.Regexp(PHONE, error="手机号格式不正确"))
    id_number = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Regexp(ID_NUMBER, error="身份证号格式不正确"),
    )
    birth_date = fields.Date(allow_none=True, load_default=None)
    guardian_name = Text(100, allow_none=True, load_default=None)
    guardian_consent = fields.Boolean(load_default=False)
    guardian_consent_at = LocalDateTime(allow_none=True, load_default=None)
    team = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(TEAMS))
    party_member = fields.Boolean(load_default=False)
    skills = fields.List(
        fields.String(validate=SKILL), load_default=list, validate=validate.Length(max=len(SKILLS))
    )
    languages = fields.List(Text(32, 1), load_default=list, validate=validate.Length(max=20))
    qualifications = _list(QualificationSchema, 20)
    vetted_until = fields.Date(allow_none=True, load_default=None)
    insured_until = fields.Date(allow_none=True, load_default=None)
    availability = _list(AvailabilitySchema, 50)
    leave = _list(LeaveSchema, 100)
    max_hours_week = Float(0, 168, allow_none=True, load_default=None)
    max_hours_month = Float(0, 744, allow_none=True, load_default=None)
    min_hours_month = Float(0, 744, allow_none=True, load_default=None)
    home_lat = Float(-90, 90, allow_none=True, load_default=None)
    home_lon = Float(-180, 180, allow_none=True, load_default=None)
    preferences = fields.Nested(PreferencesSchema, load_default=dict)
    contact_channels = _list(ContactChannelSchema, 20)
    joined_on = fields.Date(allow_none=True, load_default=None)
    experienced = fields.Boolean(load_default=False)
    active = fields.Boolean(load_default=True)

    @validates_schema
    def _rules(self, data: dict[str, Any], partial: Any = None, **_: Any) -> None:
        if partial:
            return  # PATCH bodies are checked again after merging with the stored record
        errors = volunteer_rule_errors(data, date.today())
        if errors:
            raise ValidationError(errors)


def volunteer_rule_errors(data: dict[str, Any], today: date) -> dict[str, list[str]]:
    """Cross-field rules of a complete volunteer record; empty when it is valid."""
    errors: dict[str, list[str]] = {}
    birth = data.get("birth_date")
    if birth is not None:
        if birth > today or birth.year < 1900:
            errors["birth_date"] = ["出生日期不合理 implausible birth date"]
        elif age_on(birth, today) < 18:
            if not data.get("guardian_consent"):
                errors["guardian_consent"] = ["未成年人需监护人同意 minors need guardian consent"]
            if not data.get("guardian_name"):
                errors["guardian_name"] = ["未成年人需填写监护人 minors need a guardian"]
            if age_on(birth, today) < 14 and not data.get("guardian_consent_at"):
                errors["guardian_consent_at"] = [
                    "未满14周岁需记录监护人同意时间 record when the guardian consented"
                ]
    if data.get("guardian_consent") and not data.get("guardian_name"):
        errors.setdefault("guardian_name", ["请填写监护人 name the guardian"])
    qualified = {q["skill"] for q in data.get("qualifications") or []}
    missing = sorted(s for s in data.get("skills") or [] if s in QUALIFIED_SKILLS - qualified)
    if missing:
        errors["qualifications"] = [
            f"技能需要资质证书 skills need a qualification: {', '.join(missing)}"
        ]
    if (data.get("home_lat") is None) != (data.get("home_lon") is None):
        errors["home_lon"] = ["home_lat 与 home_lon 需同时填写 give both coordinates"]
    low, high = data.get("min_hours_month"), data.get("max_hours_month")
    if low is not None and high is not None and low > high:
        errors["min_hours_month"] = ["不能大于 max_hours_month must not exceed max_hours_month"]
    return errors


class VolunteerSchema(VolunteerInSchema):
    """A volunteer as returned; phone and ID number are masked unless the caller may see them."""

    id = Id(dump_only=True)
    version = fields.Integer(dump_only=True)
    phone = fields.String(dump_only=True)
    id_number = fields.String(dump_only=True, allow_none=True)
    age = fields.Integer(dump_only=True, allow_none=True)


SELF_SERVICE_FIELDS = frozenset(
    {
        "availability",
        "leave",
        "languages",
        "preferences",
        "contact_channels",
        "max_hours_week",
        "max_hours_month",
        "home_lat",
        "home_lon",
        "phone",
    }
)


class VolunteerListArgs(ListArgs):
    """Filters of the volunteer list."""

    community_id = fields.List(QueryId(), metadata={"description": "可重复 repeatable"})
    volunteer_id = QueryId()
    grid_id = QueryId()
    team = fields.String(validate=validate.OneOf(TEAMS))
    skill = fields.String(validate=SKILL)
    party_member = fields.Boolean()
    active = fields.Boolean()
    q = Text(100, metadata={"description": "姓名包含 name contains"})


class ExportArgs(ListArgs):
    """Options of an export."""

    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))
    community_id = fields.List(QueryId())


class ImportReportSchema(Schema):
    """Result of an import that passed validation."""

    dry_run = fields.Boolean(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    rows = fields.Integer(required=True)
