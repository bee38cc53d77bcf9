"""Default settings of the registry; create_app overlays the environment and test overrides."""

from __future__ import annotations

import os

MIB = 1024 * 1024


def defaults() -> dict[str, object]:
    """Return the default configuration (development values, safe on one machine)."""
    return {
        "DATABASE_URL": "sqlite:///var/registry.db",
        # Development value only; production sets REGISTRY_JWT_SECRET (at least 32 bytes).
        "JWT_SECRET": "linli-local-development-secret-change-me",
        "JWT_ISSUER": "linli-registry",
        "JWT_AUDIENCE": "linli",
        "TOKEN_TTL_SECONDS": 900,
        "SERVICE_USERNAME": "scheduler",
        "SERVICE_PASSWORD": None,
        # Service accounts that deliver messages and so may read volunteers' phone numbers and
        # channel addresses unmasked on GET /volunteers/<id> (docs/decisions/0005). A JSON
        # list or a comma-separated string of usernames.
        "CONTACT_READERS": ["notifier"],
        "MAX_CONTENT_LENGTH": 1 * MIB,
        "IMPORT_MAX_CONTENT_LENGTH": 10 * MIB,
        "BROKER_URL": os.environ.get("BROKER_URL", "redis://127.0.0.1:6379/0"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        # `python -m registry relay` serves /metrics on this port (0: not at all); the API
        # answers GET /metrics itself, behind METRICS_TOKEN when it is set.
        "METRICS_PORT": 0,
        "METRICS_TOKEN": None,
        "API_TITLE": "Linli registry",
        "API_VERSION": "1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
        "OPENAPI_REDOC_PATH": "redoc",
        "OPENAPI_REDOC_URL": "https://cdn.jsdelivr.net/npm/redoc@next/bundles/redoc.standalone.js",
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                }
            },
            "security": [{"bearerAuth": []}],
        },
    }
