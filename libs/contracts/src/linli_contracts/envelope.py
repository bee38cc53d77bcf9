"""The envelope every message travels in, and its validation against the schemas.

Producers build messages with `make_event`, which checks the payload strictly (unknown fields
are refused, so a typo never reaches the wire). Consumers read them with `parse_envelope`, which
checks the envelope and the payload but accepts fields it does not know (additive changes within
a version). JSON only. Error messages name the field and the rule, never the offending value,
so they are safe to log.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from linli_contracts.errors import ContractError, DecodeError
from linli_contracts.logs import correlation_id as current_correlation_id
from linli_contracts.schemas import envelope_schema, latest_version, schema_for, strict_schema

_formats = FormatChecker(formats=())


@_formats.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    return not isinstance(value, str) or bool(date.fromisoformat(value)) and len(value) == 10


@_formats.checks("time", raises=ValueError)
def _is_time(value: object) -> bool:
    return not isinstance(value, str) or bool(time.fromisoformat(value) or True)


@_formats.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return "T" in value and parsed.tzinfo is not None


@_formats.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or str(uuid.UUID(value)) == value.lower()


_CHECKS = {"date": _is_date, "time": _is_time, "date-time": _is_datetime, "uuid": _is_uuid}


def _lenient(check: Any) -> Any:
    def checked(value: str) -> bool:
        try:
            return bool(check(value))
        except ValueError:
            return False
    return checked


def _formats_in(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["format"]} if isinstance(node.get("format"), str) else set()
        return found.union(*(_formats_in(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_formats_in(value) for value in node))
    return set()


class _Validator:
    """A schema compiled twice: natively to decide fast, in Python to explain a refusal.

    The native validator checks formats with the same functions as the Python one, and
    formats the Python one leaves unchecked are accepted by both, so they agree on what is
    valid; the Python validator runs only for a refused message, to name the field and rule.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        formats = {name: _lenient(_CHECKS[name]) if name in _CHECKS else (lambda _: True)
                   for name in _formats_in(schema)}
        self.native = jsonschema_rs.Draft202012Validator(
            schema, validate_formats=True, formats=formats, offline=True)
        self._explainer: Draft202012Validator | None = None

    def is_valid(self, instance: Any) -> bool:
        return bool(self.native.is_valid(instance))

    def iter_errors(self, instance: Any) -> Any:
        if self._explainer is None:
            self._explainer = Draft202012Validator(self.schema, format_checker=_formats)
        return self._explainer.iter_errors(instance)


@cache
def _validator(type_: str, version: int, strict: bool) -> _Validator:
    """Compiled once per (type, version) and strictness, then shared by every message."""
    schema = schema_for(type_, version)
    return _Validator(strict_schema(schema) if strict else schema)


@cache
def _envelope_validator() -> _Validator:
    return _Validator(envelope_schema())


def _describe(error: ValidationError, prefix: str) -> str:
    """One line naming the field and the rule broken, without the value itself."""
    path = prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
    rule, expected = error.validator, error.validator_value
    if rule == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in expected if name not in present]
        return f"{path}.{missing[0] if missing else '?'}: is required"
    if rule == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in known)
        return f"{path}.{extra[0] if extra else '?'}: is not a known field"
    reasons = {
        "type": f"must be of type {expected}",
        "enum": f"must be one of {expected}",
        "const": f"must be {expected!r}",
        "format": f"must be a valid {expected}",
        "pattern": "does not match the required pattern",
        "minimum": f"must be >= {expected}",
        "maximum": f"must be <= {expected}",
        "exclusiveMinimum": f"must be > {expected}",
        "minLength": f"must have at least {expected} characters",
        "maxLength": f"must have at most {expected} characters",
        "minItems": f"must have at least {expected} items",
        "uniqueItems": "must not repeat items",
    }
    return f"{path}: {reasons.get(str(rule), f'breaks rule {rule}')}"


def _check(validator: _Validator, instance: Any, prefix: str) -> None:
    if validator.is_valid(instance):
        return
    errors = sorted(validator.iter_errors(instance), key=lambda e: (list(e.path), str(e.validator)))
    if errors:
        raise ContractError(_describe(errors[0], prefix))
    # Both validators refuse the same documents; should they ever disagree, refusing is safe.
    raise ContractError(f"{prefix}: does not match its schema")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Envelope:
    """One message: identity, type and schema version, time, correlation and payload."""

    id: str
    type: str
    version: int
    occurred_at: str
    correlation_id: str | None
    payload: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The envelope as plain JSON-compatible data."""
        return asdict(self)

    def to_json(self) -> str:
        """The envelope as compact JSON text, the form it has on the wire."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @property
    def routing_key(self) -> str:
        """Routing key on the exchange: the message type."""
        return self.type


def make_event(
    type_: str,
    payload: dict[str, Any],
    *,
    correlation_id: str | None = None,
    version: int | None = None,
    message_id: str | None = None,
    occurred_at: datetime | str | None = None,
) -> Envelope:
    """Build an envelope for a new message, validating the payload strictly."""
    try:
        version = latest_version(type_) if version is None else version
        validator = _validator(type_, version, True)
    except KeyError:
        raise ContractError(f"type: unknown message type {type_!r} version {version}") from None
    try:
        # A private JSON-only copy: the caller's dict cannot change the message afterwards.
        payload = json.loads(json.dumps(payload, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ContractError(f"payload: not JSON-serialisable ({exc.__class__.__name__})") from None
    _check(validator, payload, "payload")
    message_id = message_id or str(uuid.uuid4())
    if isinstance(occurred_at, datetime):
        if occurred_at.tzinfo is None:
            raise ContractError("occurred_at: must carry a time zone")
        occurred_at = occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    envelope = Envelope(
        id=message_id,
        type=type_,
        version=version,
        occurred_at=occurred_at or _now(),
        # Without one given: the work in hand's (a request, a message), else the message's own.
        correlation_id=correlation_id or current_correlation_id() or message_id,
        payload=payload,
    )
    _check(_envelope_validator(), envelope.to_dict(), "envelope")
    return envelope


def parse_envelope(data: bytes | bytearray | memoryview | str | dict[str, Any]) -> Envelope:
    """Decode and validate a message from the wire; unknown fields are accepted and dropped."""
    if isinstance(data, dict):
        document: Any = data
    else:
        try:
            text = bytes(data).decode("utf-8") if not isinstance(data, str) else data
            document = json.loads(text)
        except (UnicodeDecodeError, ValueError) as exc:
            raise DecodeError(f"body: not UTF-8 JSON ({type(exc).__name__})") from None
    if not isinstance(document, dict):
        raise DecodeError("body: must be a JSON object")
    _check(_envelope_validator(), document, "envelope")
    type_, version = document["type"], document["version"]
    try:
        validator = _validator(type_, version, False)
    except KeyError:
        raise ContractError(f"type: unknown message type {type_!r} version {version}") from None
    _check(validator, document["payload"], "payload")
    return Envelope(
        id=document["id"],
        type=type_,
        version=version,
        occurred_at=document["occurred_at"],
        correlation_id=document["correlation_id"],
        payload=document["payload"],
    )
