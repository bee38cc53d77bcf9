"""Settings of the notifier: defaults, then `NOTIFIER_*` environment, then explicit overrides.

Read once at start-up by the web app and by every worker, then passed down; nothing reads the
environment at import time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from linli_contracts.database import absolute_database_url

PREFIX = "NOTIFIER_"


def defaults() -> dict[str, Any]:
    """Return the default configuration (development values, safe on one machine)."""
    return {
        "DATABASE_URL": "sqlite:///var/notifier.db",
        "BROKER_URL": "redis://127.0.0.1:6379/0",
        "LOG_LEVEL": "INFO",
        # Tokens are issued by the registry; the development secret is the registry's default.
        "JWT_SECRET": "linli-local-development-secret-change-me",
        "JWT_ISSUER": "linli-registry",
        "JWT_AUDIENCE": "linli",
        # Signs response links and derives the development encryption key.
        "SECRET_KEY": "linli-notifier-development-secret-change-me",
        # Fernet key (urlsafe base64, 32 bytes) for phone numbers and robot secrets at rest.
        "ENCRYPTION_KEY": None,
        "PUBLIC_BASE_URL": "http://127.0.0.1:8003",
        # Where the confirm / decline links in messages point: the web portal in a full
        # deployment, which signs the volunteer in; empty means the notifier's own base URL.
        "RESPONSE_BASE_URL": "",
        "TIMEZONE": "Asia/Shanghai",
        "QUIET_START": "21:30",
        "QUIET_END": "07:30",
        "REMINDER_DAY_BEFORE_AT": "18:00",
        "REMINDER_HOURS_BEFORE": 2,
        "DIGEST_GRACE_SECONDS": 300,
        "RESPONSE_TOKEN_MAX_AGE": 14 * 24 * 3600,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": 8025,
        "SMTP_FROM": "linli@localhost",
        "SMTP_TIMEOUT": 10.0,
        "SMS_PROVIDER": "file",
        "SMS_OUTBOX_PATH": "var/sms-outbox.log",
        "SMS_TIMEOUT": 10.0,
        "ALIYUN_ENDPOINT": "https://dysmsapi.aliyuncs.com/",
        "ALIYUN_ACCESS_KEY_ID": "",
        "ALIYUN_ACCESS_KEY_SECRET": "",
        "ALIYUN_SIGN_NAME": "邻里志愿",
        "ALIYUN_TEMPLATES": {},
        "TENCENT_ENDPOINT": "https://sms.tencentcloudapi.com/",
        "TENCENT_REGION": "ap-guangzhou",
        "TENCENT_SECRET_ID": "",
        "TENCENT_SECRET_KEY": "",
        "TENCENT_SDK_APP_ID": "",
        "TENCENT_SIGN_NAME": "邻里志愿",
        "TENCENT_TEMPLATES": {},
        "WEBHOOK_TIMEOUT": 10.0,
        # Only the test suite sets this: it lets webhooks reach 127.0.0.1 (never other ranges).
        "ALLOW_LOOPBACK_WEBHOOKS": False,
        "ROBOT_RATE_PER_MINUTE": 20,
        "DELIVERY_LEASE_SECONDS": 30,
        "DELIVERY_MAX_ATTEMPTS": 5,
        "DELIVERY_BATCH_SIZE": 50,
        "DELIVERY_THREADS": 4,
        "CONSUMER_MAX_ATTEMPTS": 5,
        "CONSUMER_RETRY_DELAY": 0.5,
        # Events committed per transaction (1: one at a time).
        "CONSUMER_BATCH": 100,
        # Redis re-delivers a message unacknowledged this long; handlers take seconds at most.
        "VISIBILITY_TIMEOUT": 300,
        "POLL_INTERVAL": 0.5,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # The registry, read with the notifier's own service account for volunteers' contact
        # channels (docs/decisions/0005); the registry must list the account in
        # REGISTRY_CONTACT_READERS, or phone numbers come back masked.
        "REGISTRY_URL": "http://127.0.0.1:8001",
        "REGISTRY_USERNAME": "notifier",
        "REGISTRY_PASSWORD": "linli-demo",
        "REGISTRY_TIMEOUT": 10.0,
        "REGISTRY_RETRIES": 3,
        "REGISTRY_PAGE_SIZE": 200,
        # `python -m notifier <worker>` serves /metrics on this port (0: not at all); the API
        # answers GET /metrics itself, behind METRICS_TOKEN when it is set.
        "METRICS_PORT": 0,
        "METRICS_TOKEN": "",
    }


def _parse(raw: str) -> Any:
    """Environment values are JSON when they parse as JSON (numbers, booleans, objects)."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The `NOTIFIER_*` variables (plus the shared BROKER_URL and LOG_LEVEL) as settings."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for shared in ("BROKER_URL", "LOG_LEVEL"):
        if shared in environ:
            found[shared] = environ[shared]
    # Tokens come from the registry: without a secret of its own, use the registry's.
    if "REGISTRY_JWT_SECRET" in environ:
        found["JWT_SECRET"] = environ["REGISTRY_JWT_SECRET"]
    for key, value in environ.items():
        if key.startswith(PREFIX):
            found[key[len(PREFIX):]] = _parse(value)
    return found


def load(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then the environment, then `overrides`; relative SQLite paths made absolute."""
    settings = defaults()
    settings.update(from_env())
    settings.update(overrides or {})
    settings["DATABASE_URL"] = absolute_database_url(settings["DATABASE_URL"])
    settings["RESPONSE_BASE_URL"] = settings["RESPONSE_BASE_URL"] or settings["PUBLIC_BASE_URL"]
    return settings
