"""`/healthz` (the process answers) and `/readyz` (ready to serve; back ends reported)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from flask import Blueprint, current_app

from portal.clients import SERVICES

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
    # In parallel: one hung back end must not push the answer past the probe's timeout (3 s).
    urls = {service: f"{current_app.config[service.upper() + '_URL']}/healthz"
            for service in SERVICES}
    with ThreadPoolExecutor(len(urls)) as pool:
        states = dict(zip(urls, pool.map(_state, urls.values()), strict=True))
    return {"status": "ok", "backends": states}, 200


def _state(url: str) -> str:
    try:
        return "ok" if requests.get(url, timeout=1.5).status_code == 200 else "unavailable"
    except requests.RequestException:
        return "unavailable"
