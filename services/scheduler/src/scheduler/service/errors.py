"""Domain errors of the scheduler and the one table mapping them to HTTP answers and to
queue decisions (retry or dead-letter)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from linli_contracts.consumer import DEAD_LETTER, RETRY
from scheduler.service.i18n import t


class SchedulerError(Exception):
    """Base of every error a service function raises on purpose; `key` is a message key."""

    key = "400"

    def __init__(self, key: str | None = None, errors: Any = None, message: str | None = None):
        super().__init__(message or key or self.key)
        self.key = key or self.key
        self.errors = errors
        self.message = message


class NotFound(SchedulerError):
    """The record does not exist or lies outside the caller's scope."""

    key = "404"


class Forbidden(SchedulerError):
    """The caller's role may not do this."""

    key = "403"


class Conflict(SchedulerError):
    """The plan's state does not allow the action."""

    key = "bad_state"


class Stale(SchedulerError):
    """If-Match named an older revision of the plan."""

    key = "412"


class Invalid(SchedulerError):
    """Input broke a rule; `errors` names the fields or the hard rules."""

    key = "422"


class TooBusy(SchedulerError):
    """Too many solve jobs are waiting; retry later."""

    key = "429"


class RegistryUnavailable(SchedulerError):
    """The registry could not be reached after the retries."""

    key = "registry_down"


class RegistryFailed(SchedulerError):
    """The registry answered, but not with something usable."""

    key = "registry_bad"


#: Domain error -> (HTTP status, decision for a queue consumer). First match wins.
ERROR_TABLE: tuple[tuple[type[Exception], int, str], ...] = (
    (NotFound, 404, DEAD_LETTER),
    (Forbidden, 403, DEAD_LETTER),
    (Conflict, 409, DEAD_LETTER),
    (Stale, 412, RETRY),
    (Invalid, 422, DEAD_LETTER),
    (TooBusy, 429, RETRY),
    (RegistryFailed, 502, RETRY),
    (RegistryUnavailable, 503, RETRY),
)


def status_of(error: Exception) -> int:
    """HTTP status of a domain error."""
    for kind, status, _decision in ERROR_TABLE:
        if isinstance(error, kind):
            return status
    return 400


def decision_of(error: Exception) -> str:
    """Retry or dead-letter, for a consumer whose handler raised this error."""
    for kind, _status, decision in ERROR_TABLE:
        if isinstance(error, kind):
            return decision
    return RETRY


STATUS_NAMES = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    409: "Conflict", 412: "Precondition Failed", 413: "Payload Too Large",
    422: "Unprocessable Entity", 428: "Precondition Required", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
}


def error_body(code: int, message: str | None, errors: Any = None) -> dict[str, Any]:
    """The one JSON error shape: code, status, message and, when known, errors."""
    body: dict[str, Any] = {
        "code": code,
        "status": STATUS_NAMES.get(code, str(code)),
        "message": message or t(str(code)),
    }
    if errors:
        body["errors"] = errors
    return body


def http_exception_body(error: HTTPException) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Render a werkzeug/webargs HTTP exception in the one JSON shape."""
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    body = error_body(code, data.get("message") or t(str(code)), errors)
    headers = dict(data.get("headers") or {})
    if code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return body, code, headers


def register_error_handlers(app: Flask) -> None:
    """Map domain and validation errors to JSON answers."""

    @app.errorhandler(SchedulerError)
    def _domain_error(error: SchedulerError) -> tuple[dict[str, Any], int, dict[str, str]]:
        status = status_of(error)
        headers = {"Retry-After": "5"} if status in (429, 503) else {}
        return error_body(status, error.message or t(error.key), error.errors), status, headers

    @app.errorhandler(ValidationError)
    def _validation_error(error: ValidationError) -> tuple[dict[str, Any], int]:
        return error_body(422, None, {"json": error.messages}), 422
