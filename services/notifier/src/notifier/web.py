"""What the HTTP layer shares: the database session of a request, settings, paging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

from flask import current_app, g, request
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session, sessionmaker

from linli_contracts.http_guards import nested_too_deeply
from notifier.crypto import Vault


@dataclass
class State:
    """Per-app state bound in `create_app`."""

    settings: dict[str, Any]
    sessions: sessionmaker[Session]
    vault: Vault


def state() -> State:
    """State of the current app."""
    return current_app.extensions["notifier"]  # type: ignore[no-any-return]


def settings() -> dict[str, Any]:
    """Settings of the current app."""
    return state().settings


def db() -> Session:
    """The request's database session (opened on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = state().sessions()
    return g.db_session  # type: ignore[no-any-return]


def close_db(_exc: BaseException | None = None) -> None:
    """Teardown: roll back anything uncommitted and close the session."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


# Ids beyond the databases' integer range cannot exist (and SQLite cannot even bind them).
MAX_ID = 2**31 - 1


def ids_in_range() -> None:
    """Before each request: an id in the URL outside the integer range is simply not found."""
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            abort(404, message="未找到 / not found")


def refuse_deep_json() -> None:
    """Before each request: JSON nested so deeply that parsing it would exhaust the stack
    is answered 400 (malformed JSON is left to the arguments parser)."""
    if (request.is_json and request.content_length
            and nested_too_deeply(request.get_data(cache=True))):
        abort(400, message="JSON 嵌套过深 / JSON nested too deeply",
              errors={"json": ["nested too deeply"]})


class UtcDateTime(fields.DateTime):
    """A date-time with its offset; one read back without (SQLite drops it) was stored as UTC."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class PageSchema(Schema):
    """Paging arguments, clamped by validation rather than trusted."""

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


def not_found() -> NoReturn:
    """Answer 404: the object does not exist or lies outside the caller's scope."""
    abort(404, message="未找到 / not found")
    raise AssertionError("abort returned")  # pragma: no cover - abort always raises
