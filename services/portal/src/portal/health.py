"""`/healthz` (the process answers) and `/readyz` (the back ends answer their /healthz)."""

from __future__ import annotations

from typing import Any

import requests
from flask import Blueprint, current_app

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> dict[str, Any]:
    """The process is up."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> tuple[dict[str, Any], int]:
    """Every back end answers; the portal has no database of its own."""
    down = []
    for service in ("registry", "scheduler", "notifier"):
        try:
            answer = requests.get(f"{current_app.config[service.upper() + '_URL']}/healthz",
                                  timeout=3)
            if answer.status_code != 200:
                down.append(service)
        except requests.RequestException:
            down.append(service)
    if down:
        return {"status": "unavailable", "down": down}, 503
    return {"status": "ok"}, 200
