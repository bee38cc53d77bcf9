"""Settings of the portal: defaults, then `PORTAL_*` environment, then explicit overrides.

Read once by `create_app()`; nothing reads the environment at import time.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

PREFIX = "PORTAL_"

# What log lines must never show: a volunteer's link token is a password, as is a bearer
# token; phone and ID numbers are personal (the same rules as the services' masking).
# Route templates (`/responses/<token>`) stay readable.
_LINK_PATH = re.compile(r"(/responses/|/v/t/)(?!<)[^/\s?#\"']+")
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_MOBILE = re.compile(r"(?<!\d)(\+?86)?(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def defaults() -> dict[str, Any]:
    """Development values, safe on one machine."""
    return {
        "LOG_LEVEL": "INFO",
        # Signs the session cookie (which holds the caller's bearer token) and CSRF tokens.
        "SECRET_KEY": "linli-portal-development-secret-change-me",
        "REGISTRY_URL": "http://127.0.0.1:8001",
        "SCHEDULER_URL": "http://127.0.0.1:8002",
        "NOTIFIER_URL": "http://127.0.0.1:8003",
        # Seconds one back-end call may take before the page says the service is unavailable.
        "BACKEND_TIMEOUT": 15.0,
        # Behind HTTPS set this to true so the session cookie is never sent in clear.
        "COOKIE_SECURE": False,
        # The portal's own registry account: it turns a volunteer's link into a scoped token.
        "SERVICE_USERNAME": "portal",
        "SERVICE_PASSWORD": "linli-demo",
        "DEFAULT_LANGUAGE": "zh-CN",
        "TIMEZONE": "Asia/Shanghai",
        # How often (ms) the plan page asks for solve progress.
        "POLL_INTERVAL_MS": 1000,
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        # GET /metrics needs `Authorization: Bearer <token>` when set (empty: open, as its
        # labels are route templates and status classes only).
        "METRICS_TOKEN": "",
    }


def _parse(raw: str) -> Any:
    """Environment values are JSON when they parse as JSON (numbers, booleans)."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The `PORTAL_*` variables (plus the shared LOG_LEVEL) as settings."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    if "LOG_LEVEL" in environ:
        found["LOG_LEVEL"] = environ["LOG_LEVEL"]
    for key, value in environ.items():
        if key.startswith(PREFIX):
            name = key[len(PREFIX):]
            # Secrets and URLs stay strings even when they look like JSON.
            keep_raw = name.endswith(("_URL", "PASSWORD", "SECRET_KEY", "USERNAME", "TOKEN"))
            found[name] = value if keep_raw else _parse(value)
    return found


def load(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then the environment, then `overrides`."""
    settings = defaults()
    settings.update(from_env())
    settings.update(overrides or {})
    for key in ("REGISTRY_URL", "SCHEDULER_URL", "NOTIFIER_URL"):
        settings[key] = str(settings[key]).rstrip("/")
    return settings


def mask_text(text: str) -> str:
    """`text` with link and bearer tokens replaced by `***` and phone and ID numbers masked;
    every log line of the portal passes through it (gunicorn's too)."""
    text = _LINK_PATH.sub(lambda m: f"{m.group(1)}***", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}***", text)
    text = _JWT.sub("***", text)
    text = _ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    return _MOBILE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(3)}", text)
