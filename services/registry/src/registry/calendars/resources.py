"""HTTP endpoints of region calendars."""

from __future__ import annotations

import re
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from registry.auth.principal import current_principal
from registry.calendars import service
from registry.calendars.schemas import (
    REGION,
    CalendarInSchema,
    CalendarSchema,
    ConfirmSchema,
    DatesSchema,
    PeriodSchema,
)
from registry.common import check_if_match, errors, etag_of
from registry.db import db
from registry.errors import NotFound
from registry.i18n import t

blp = Blueprint(
    "Calendars", __name__, url_prefix="/calendars", description="校历与节假日 Calendars"
)


def _region(region: str) -> str:
    if not re.match(REGION, region):
        abort(404, message=t("404"))
    return region


def _answer(row: Any) -> Any:
    return service.view(row), {"ETag": etag_of(row)}


@blp.route("")
class Calendars(MethodView):
    """Calendar collection."""

    @blp.response(200, CalendarSchema(many=True))
    @errors(blp, 401)
    def get(self) -> list[dict[str, Any]]:
        """List the region calendars."""
        return [service.view(row) for row in service.list_all(db.session)]


@blp.route("/<region>")
class CalendarItem(MethodView):
    """One region's calendar."""

    @blp.response(200, CalendarSchema)
    @errors(blp, 401, 404)
    def get(self, region: str) -> Any:
        """Read a region calendar."""
        return _answer(service.get(db.session, current_principal(), _region(region)))

    @blp.arguments(CalendarInSchema)
    @blp.response(200, CalendarSchema)
    @errors(blp, 401, 403, 404, 409, 412)
    def put(self, data: dict[str, Any], region: str) -> Any:
        """Create or replace a region calendar."""
        region = _region(region)
        try:
            current = service.get(db.session, current_principal(), region)
        except NotFound:  # a new calendar has no version to check
            current = None
        if current is not None:
            check_if_match(current)
        return _answer(service.replace(db.session, current_principal(), region, data))


@blp.route("/<region>/holidays")
class Holidays(MethodView):
    """Holidays of a region."""

    @blp.arguments(DatesSchema)
    @blp.response(200, CalendarSchema)
    @errors(blp, 401, 403, 404, 409, 412)
    def post(self, data: dict[str, Any], region: str) -> Any:
        """Add holidays."""
        return _answer(
            service.add_dates(
                db.session, current_principal(), _region(region), "holidays", data["dates"]
            )
        )


@blp.route("/<region>/workdays")
class Workdays(MethodView):
    """Make-up working days (调休) of a region."""

    @blp.arguments(DatesSchema)
    @blp.response(200, CalendarSchema)
    @errors(blp, 401, 403, 404, 409, 412)
    def post(self, data: dict[str, Any], region: str) -> Any:
        """Add make-up working days."""
        return _answer(
            service.add_dates(
                db.session, current_principal(), _region(region), "workdays", data["dates"]
            )
        )


@blp.route("/<region>/terms")
class Terms(MethodView):
    """School terms of a region."""

    @blp.arguments(PeriodSchema)
    @blp.response(200, CalendarSchema)
    @errors(blp, 401, 403, 404, 409, 412)
    def post(self, data: dict[str, Any], region: str) -> Any:
        """Add or replace a school term."""
        return _answer(
            service.add_period(db.session, current_principal(), _region(region), "terms", data)
        )


@blp.route("/<region>/breaks")
class Breaks(MethodView):
    """School breaks of a region."""

    @blp.arguments(PeriodSchema)
    @blp.response(200, CalendarSchema)
    @errors(blp, 401, 403, 404, 409, 412)
    def post(self, data: dict[str, Any], region: str) -> Any:
        """Add or replace a school break."""
        return _answer(
            service.add_period(db.session, current_principal(), _region(region), "breaks", data)
        )


@blp.route("/<region>/confirm")
class ConfirmYear(MethodView):
    """Confirmed years of a region."""

    @blp.arguments(ConfirmSchema)
    @blp.response(200, CalendarSchema)
    @errors(blp, 401, 403, 404, 409, 412)
    def post(self, data: dict[str, Any], region: str) -> Any:
        """Confirm that a year's official holidays and make-up days are loaded."""
        return _answer(
            service.confirm_year(db.session, current_principal(), _region(region), data["year"])
        )
