"""Coordinator follow-up: responses and repair, attendance, exports, Excel import reports."""

from __future__ import annotations

from flask import Blueprint

from portal.followup import messages
from portal.i18n import register

bp = Blueprint("followup", __name__, url_prefix="/c")
register(messages.CATALOG)

from portal.followup import views  # noqa: E402,F401 - routes attach themselves to bp
