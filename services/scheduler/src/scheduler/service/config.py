"""Default settings of the scheduler service; create_app overlays SCHEDULER_* and test overrides."""

from __future__ import annotations

import os
from typing import Any

from linli_contracts.database import absolute_database_url

MIB = 1024 * 1024

#: Development value shared with the registry's `make run` default; production sets both.
DEV_JWT_SECRET = "linli-local-development-secret-change-me"


def defaults() -> dict[str, Any]:
    """Return the default configuration (development values, safe on one machine)."""
    return {
        "DATABASE_URL": "sqlite:///var/scheduler.db",
        "JWT_SECRET": DEV_JWT_SECRET,
        "JWT_ISSUER": "linli-registry",
        "JWT_AUDIENCE": "linli",
        "REGISTRY_URL": "http://127.0.0.1:8001",
        "REGISTRY_USERNAME": "scheduler",
        "REGISTRY_PASSWORD": "linli-demo",
        "REGISTRY_TIMEOUT": 10.0,
        "REGISTRY_RETRIES": 3,
        "BROKER_URL": os.environ.get("BROKER_URL", "redis://127.0.0.1:6379/0"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "MAX_CONTENT_LENGTH": 1 * MIB,
        "DEFAULT_TIME_LIMIT": 10.0,
        "MAX_TIME_LIMIT": 600.0,
        "MAX_SHIFTS": 20_000,
        "MAX_ACTIVE_JOBS": 50,
        "JOB_LEASE_SECONDS": 30.0,
        "RELAY_POLL_INTERVAL": 0.5,
        "RELAY_BATCH_SIZE": 50,
        # Workers and the relay serve /metrics on this port (0: not at all); the API answers
        # GET /metrics itself, behind METRICS_TOKEN when it is set.
        "METRICS_PORT": 0,
        "METRICS_TOKEN": "",
        "API_TITLE": "Linli scheduler",
        "API_VERSION": "1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                }
            },
            "security": [{"bearerAuth": []}],
        },
        "JSON_SORT_KEYS": False,
    }


def from_environment(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Settings for processes without Flask: defaults, SCHEDULER_* variables, overrides."""
    config = defaults()
    for key, value in os.environ.items():
        if key.startswith("SCHEDULER_"):
            name = key[len("SCHEDULER_"):]
            default = config.get(name)
            config[name] = _coerce(value, default)
    config.update(overrides or {})
    config["DATABASE_URL"] = absolute_database_url(config["DATABASE_URL"])
    return config


def _coerce(value: str, default: Any) -> Any:
    if isinstance(default, bool):
        return value.lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value
