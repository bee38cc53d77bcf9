"""Helpers shared by the resource packages: field types, scoping, paging and ETags."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from http import HTTPStatus
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import request
from flask_smorest import abort
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from registry.i18n import t

T = TypeVar("T")
MAX_ID = 2**31 - 1
HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


def no_nul(value: str) -> None:
    """Refuse NUL characters, which PostgreSQL cannot store in text."""
    if "\x00" in value:
        raise ValidationError("must not contain NUL characters")


def Id(**kwargs: Any) -> fields.Integer:  # noqa: N802 - reads like a field class
    """A positive 32-bit integer id."""
    return fields.Integer(strict=True, validate=validate.Range(1, MAX_ID), **kwargs)


def QueryId(**kwargs: Any) -> fields.Integer:  # noqa: N802
    """A positive 32-bit integer id given as text (query strings)."""
    return fields.Integer(validate=validate.Range(1, MAX_ID), **kwargs)


def Int(low: int = 0, high: int = 1_000_000, **kwargs: Any) -> fields.Integer:  # noqa: N802
    """A bounded integer."""
    return fields.Integer(strict=True, validate=validate.Range(low, high), **kwargs)


def Text(max_length: int = 200, min_length: int = 0, **kwargs: Any) -> fields.String:  # noqa: N802
    """A bounded string without NUL characters."""
    return fields.String(validate=[validate.Length(min_length, max_length), no_nul], **kwargs)


def Hhmm(**kwargs: Any) -> fields.String:  # noqa: N802
    """A local time as "HH:MM"."""
    return fields.String(validate=validate.Regexp(HHMM, error="must be HH:MM"), **kwargs)


def Float(low: float, high: float, **kwargs: Any) -> fields.Float:  # noqa: N802
    """A bounded finite number."""
    return fields.Float(validate=validate.Range(low, high), **kwargs)


class StrictSchema(Schema):
    """Base schema: unknown fields are refused (marshmallow's RAISE)."""


class ListArgs(Schema):
    """Base of list filters; ignores other query parameters such as page and page_size."""

    class Meta:
        unknown = EXCLUDE


def page_of(
    session: Session, query: Select[Any], pagination: Any, order_by: Sequence[Any]
) -> list[Any]:
    """Run a paged query and set the total on the pagination parameters."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pagination.item_count = total or 0
    offset = (pagination.page - 1) * pagination.page_size
    if offset > MAX_ID:
        return []
    return list(
        session.scalars(query.order_by(*order_by).offset(offset).limit(pagination.page_size))
    )


def etag_of(obj: Any) -> str:
    """Strong ETag of a versioned record."""
    return f'"{type(obj).__name__.lower()}-{obj.id}-v{obj.version}"'


def check_if_match(obj: Any) -> None:
    """Abort 412 when If-Match names another version (a missing If-Match is allowed)."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    tags = {tag.strip() for tag in header.split(",")}
    if "*" in tags or etag_of(obj) in tags or etag_of(obj).join(["W/", ""]) in tags:
        return
    abort(412, message=t("412"))


def with_etag(obj: Any) -> tuple[Any, dict[str, str]]:
    """A view result carrying the record's ETag header."""
    return obj, {"ETag": etag_of(obj)}


def valid_id(value: int) -> bool:
    """True when an id from the URL fits the database's integer column."""
    return 1 <= value <= MAX_ID


class TimeOfDay(fields.Field):
    """A `datetime.time` exchanged as "HH:MM"."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"type": "string", "pattern": HHMM, "example": "16:30"}, **kwargs)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else value.strftime("%H:%M")

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        import re  # noqa: PLC0415
        from datetime import time  # noqa: PLC0415

        if not isinstance(value, str) or not re.match(HHMM, value):
            raise ValidationError("must be HH:MM")
        return time(int(value[:2]), int(value[3:]))


class IsoDate(fields.Date):
    """A date kept as an ISO string (for values stored inside JSON columns)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        return super()._deserialize(value, attr, data, **kwargs).isoformat()

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return value if value is None or isinstance(value, str) else value.isoformat()


class IsoDateTime(fields.DateTime):
    """A date-time kept as an ISO string (for values stored inside JSON columns)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        return super()._deserialize(value, attr, data, **kwargs).isoformat()

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return with_offset(moment).isoformat()


SHANGHAI = ZoneInfo("Asia/Shanghai")


def with_offset(moment: datetime) -> datetime:
    """The moment with its UTC offset; one stored without (SQLite, old data) is local time.

    RFC 3339 date-times, which the OpenAPI document promises, always carry an offset.
    """
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=SHANGHAI)


class LocalDateTime(fields.AwareDateTime):
    """A date-time stored as Asia/Shanghai time; a value without offset is taken as local."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=SHANGHAI, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        return super()._deserialize(value, attr, data, **kwargs).astimezone(SHANGHAI)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return super()._serialize(with_offset(value), attr, obj, **kwargs)


def same_value(old: Any, new: Any) -> bool:
    """Equality that treats a stored naive date-time as Asia/Shanghai time (SQLite drops it)."""
    if isinstance(old, datetime) and isinstance(new, datetime):
        if old.tzinfo is None:
            old = old.replace(tzinfo=SHANGHAI)
        if new.tzinfo is None:
            new = new.replace(tzinfo=SHANGHAI)
    return bool(old == new)


def errors(blp: Any, *codes: int) -> Any:
    """Document an operation's error answers (all in the one JSON error shape)."""

    def decorate(func: Any) -> Any:
        for code in codes:
            func = blp.alt_response(code, response=HTTPStatus(code).name)(func)
        return func

    return decorate


def patch_of(schema_cls: type[Schema]) -> Schema:
    """The schema for PATCH bodies: top-level fields optional, nested records still complete."""
    return schema_cls(partial=tuple(schema_cls().load_fields))
