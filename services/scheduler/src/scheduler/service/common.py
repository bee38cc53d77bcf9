"""Field types shared by the resource schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

MAX_ID = 2**31 - 1


def no_nul(value: str) -> None:
    """Refuse NUL characters, which PostgreSQL cannot store in text."""
    if "\x00" in value:
        raise ValidationError("must not contain NUL characters")


def Id(*, strict: bool = True, **kwargs: Any) -> fields.Integer:  # noqa: N802 - like a class
    """A positive 32-bit integer id (strict in JSON bodies, parsed from text in queries)."""
    return fields.Integer(strict=strict, validate=validate.Range(1, MAX_ID), **kwargs)


def Text(max_length: int = 200, min_length: int = 0, **kwargs: Any) -> fields.String:  # noqa: N802
    """A bounded string without NUL characters."""
    return fields.String(validate=[validate.Length(min_length, max_length), no_nul], **kwargs)


class StrictSchema(Schema):
    """Base schema: unknown fields are refused (marshmallow's RAISE, the default)."""
