"""Volunteer pages: a volunteer arrives through their link and sees, confirms or declines shifts."""

from __future__ import annotations

from flask import Blueprint

from portal.i18n import register
from portal.volunteer import messages

bp = Blueprint("volunteer", __name__, url_prefix="/v")
register(messages.CATALOG)

from portal.volunteer import views  # noqa: E402,F401 - routes attach themselves to bp
