"""Coordinator planning pages: dashboard, plans (generate, progress, report), the roster board
with its pictures, pin or replace from the ranked candidates, publish with the diff first."""

from __future__ import annotations

from flask import Blueprint

from portal.coordinator import helpers, messages
from portal.i18n import register

bp = Blueprint("coordinator", __name__)
register(messages.CATALOG)
bp.record_once(lambda state: helpers.install(state.app))  # type: ignore[arg-type]

from portal.coordinator import views  # noqa: E402,F401 - routes attach themselves to bp
