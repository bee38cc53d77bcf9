"""Settings of the portal: defaults, then `PORTAL_*` environment, then explicit overrides.

Read once by `create_app()`; nothing reads the environment at import time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

PREFIX = "PORTAL_"

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
