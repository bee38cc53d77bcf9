"""`/healthz` (the process answers) and `/readyz` (ready to serve; back ends reported)."""

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
    """Ready whenever the process is: the portal has no database of its own, and a back end
    that is down must not take every portal pod out of service with it (users then see a page
    saying which service is unavailable, not a dead site). The back ends' state is reported
    for operators."""
    backends = {}
    for service in ("registry", "scheduler", "notifier"):
        try:
            answer = requests.get(f"{current_app.config[service.upper() + '_URL']}/healthz",
                                  timeout=2)
            backends[service] = "ok" if answer.status_code == 200 else "unavailable"
        except requests.RequestException:
            backends[service] = "unavailable"
    return {"status": "ok", "backends": backends}, 200
