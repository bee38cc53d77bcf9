"""Domain errors of the registry and the one table mapping them to HTTP answers."""

from __future__ import annotations

from typing import Any

from flask import Flask
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from registry.i18n import t


class RegistryError(Exception):
    """Base of every error a service function raises on purpose."""

    status = 400

    def __init__(self, message: str | None = None, errors: Any = None) -> None:
        super().__init__(message or "")
        self.message = message
        self.errors = errors


class NotFound(RegistryError):
    """The record does not exist or lies outside the caller's scope."""

    status = 404


class Forbidden(RegistryError):
    """The caller's role may not do this."""

    status = 403


class Conflict(RegistryError):
    """The change clashes with existing data (duplicate code, record in use)."""

    status = 409


class Stale(RegistryError):
    """If-Match named an older version of the record."""

    status = 412


class Invalid(RegistryError):
    """Input broke a rule; `errors` names the fields."""

    status = 422


STATUS_NAMES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    500: "Internal Server Error",
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
    body["status"] = error.name
    headers = dict(data.get("headers") or {})
    if code == 405 and error.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return body, code, headers


def register_error_handlers(app: Flask) -> None:
    """Map domain and validation errors to JSON answers."""

    @app.errorhandler(RegistryError)
    def _registry_error(error: RegistryError) -> tuple[dict[str, Any], int]:
        return error_body(error.status, error.message, error.errors), error.status

    @app.errorhandler(IntegrityError)
    def _integrity_error(_error: IntegrityError) -> tuple[dict[str, Any], int]:
        from registry.db import db  # noqa: PLC0415

        db.session.rollback()
        return error_body(409, t("409")), 409

    @app.errorhandler(ValidationError)
    def _validation_error(error: ValidationError) -> tuple[dict[str, Any], int]:
        return error_body(422, None, {"json": error.messages}), 422
