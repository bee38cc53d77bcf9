"""Structured logs of every Linli process, and the correlation id of the work in hand.

Each line is one JSON object: time, level, logger, message, service, correlation_id, plus the
record's own fields (`extra=`). The correlation id lives in a context variable, so code below a
request, a queue message or a delivery logs it and stamps it on new events without passing it
by hand. A masking filter on every handler redacts phone and ID numbers in the message and in
every field, with the masking rules of the service that installs it.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

#: A correlation id travels in headers and envelopes: short and plain, or it is replaced.
CORRELATION_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,64}")

_correlation: ContextVar[str | None] = ContextVar("linli_correlation_id", default=None)

#: Attributes every LogRecord has; anything else on a record is an event field.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_OWN = frozenset({"service", "correlation_id"})


def correlation_id() -> str | None:
    """The correlation id of the work in hand, if any."""
    return _correlation.get()


def new_correlation_id() -> str:
    """A fresh correlation id."""
    return uuid.uuid4().hex


def plain_correlation_id(value: str | None) -> str | None:
    """The value when it is a short plain id, else None (the caller makes a new one)."""
    return value if value and CORRELATION_ID_PATTERN.fullmatch(value) else None


def set_correlation_id(value: str | None) -> Token[str | None]:
    """Make `value` the current correlation id; reset with the returned token."""
    return _correlation.set(value)


def reset_correlation_id(token: Token[str | None]) -> None:
    """Restore the correlation id that was current before `set_correlation_id`."""
    _correlation.reset(token)


@contextmanager
def correlation(value: str | None) -> Iterator[str | None]:
    """Run the block with `value` as the current correlation id."""
    token = _correlation.set(value)
    try:
        yield value
    finally:
        _correlation.reset(token)


def _stamp_correlation_id(factory: Callable[..., logging.LogRecord]) -> Any:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        record.correlation_id = _correlation.get()
        return record

    make.linli = True  # type: ignore[attr-defined]
    return make


# Stamped when the record is made, in the thread and context that logs it, so every handler
# (and a record handed to another thread) sees the id of the work that logged it.
if not getattr(logging.getLogRecordFactory(), "linli", False):
    logging.setLogRecordFactory(_stamp_correlation_id(logging.getLogRecordFactory()))


class ContextFilter(logging.Filter):
    """Stamps the service name and the current correlation id on every record."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        """Set `service` (the handler's process's); add `correlation_id` if the record was made
        without one."""
        record.service = self.service
        if not hasattr(record, "correlation_id"):
            record.correlation_id = _correlation.get()
        return True


#: A mainland mobile number (optionally +86) and an 18-character ID number, in free text.
MOBILE = re.compile(r"(?<!\d)(\+?86)?(1[3-9]\d)\d{4}(\d{4})(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def mask_personal_data(text: str) -> str:
    """Mask every mobile number (`138****5678`) and ID number found in free text: the rule
    every service's log lines follow."""
    text = ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    return MOBILE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(3)}", text)


def _mask_value(value: Any, mask: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: _mask_value(v, mask) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_mask_value(v, mask) for v in value]
    return value


class MaskingFilter(logging.Filter):
    """Rewrites each record so no full phone or ID number reaches a handler: the rendered
    message, the traceback and every event field pass through `mask`."""

    def __init__(self, mask: Callable[[str], str]) -> None:
        super().__init__()
        self.mask = mask

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message, mask it and every extra field, and drop the arguments."""
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not hide the record
            message = str(record.msg)
        record.msg = self.mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        for name, value in list(record.__dict__.items()):
            if name not in _STANDARD:
                record.__dict__[name] = _mask_value(value, self.mask)
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, service,
    correlation_id, then the record's event fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord,
                   message_dict: dict[str, Any]) -> None:
        """Fixed fields first, then the extras (never the LogRecord's own attributes)."""
        log_data["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds").replace("+00:00", "Z")
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.getMessage()
        log_data["service"] = getattr(record, "service", None)
        log_data["correlation_id"] = getattr(record, "correlation_id", None)
        for name, value in record.__dict__.items():
            if name not in _STANDARD and name not in _OWN:
                log_data[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            log_data["exc_info"] = record.exc_text
        log_data.update(message_dict)


class JsonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The stream handler Linli installs: JSON lines on stderr."""

    def __init__(self, service: str, mask: Callable[[str], str], stream: Any = None) -> None:
        super().__init__(stream if stream is not None else sys.stderr)
        self.setFormatter(JsonFormatter())
        self.addFilter(ContextFilter(service))
        self.addFilter(MaskingFilter(mask))


def configure_logging(service: str, level: str | int, mask: Callable[[str], str]) -> None:
    """JSON lines on stderr for the root logger (once per process), the service's masking and
    context filters on every root handler, the level from LOG_LEVEL."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(JsonHandler(service, mask))
    root.setLevel(level.upper() if isinstance(level, str) else level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    for handler in root.handlers:
        if not any(isinstance(f, ContextFilter) for f in handler.filters):
            handler.addFilter(ContextFilter(service))
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter(mask))


def install_flask_correlation(app: Any) -> None:
    """Per request: the correlation id from `X-Correlation-ID` when it is short and plain, else
    a new one; current while the request runs (as `g.correlation_id` too) and returned in the
    response header. `g.correlation_given` tells whether the caller chose it."""
    from flask import g, request  # noqa: PLC0415 - only the APIs use Flask

    def begin() -> None:
        given = plain_correlation_id(request.headers.get("X-Correlation-ID"))
        g.correlation_given = given is not None
        g.correlation_id = given or new_correlation_id()
        g.correlation_token = _correlation.set(g.correlation_id)

    def echo(response: Any) -> Any:
        # The current id may have been replaced below (a plan keeps the id it was created with).
        response.headers["X-Correlation-ID"] = _correlation.get() or g.get("correlation_id", "")
        return response

    def end(_exc: BaseException | None) -> None:
        token = g.pop("correlation_token", None)
        if token is not None:
            try:
                _correlation.reset(token)
            except ValueError:  # set in another context: nothing of ours to restore
                _correlation.set(None)

    app.before_request(begin)
    app.after_request(echo)
    app.teardown_request(end)


def gunicorn_logconfig(service: str, mask: str, level: str = "INFO") -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: its own error log and the root logger as JSON lines.

    `mask` names the service's masking function (`package.module:function` is not accepted by
    logging; use `ext://package.module.function`).
    """
    handler = {"()": "linli_contracts.logs.JsonHandler", "service": service, "mask": mask}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": level.upper(), "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": ["json"], "propagate": False,
                               "qualname": "gunicorn.error"},
            # The app logs each request itself; gunicorn's own line would print the raw path.
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False,
                                "qualname": "gunicorn.access"},
        },
        "handlers": {"json": handler},
        "formatters": {},
    }
