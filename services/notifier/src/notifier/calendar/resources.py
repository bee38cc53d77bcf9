"""`/calendar/<secret>.ics`: the feed is reached by its secret URL, without a token."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from notifier.calendar.service import feed
from notifier.models import ChannelSettings
from notifier.web import db, not_found, settings

blp = Blueprint("Calendar", __name__, url_prefix="/calendar",
                description="Personal iCalendar feeds at secret URLs.")


@blp.route("/<string:secret>.ics")
class Feed(MethodView):
    """One volunteer's feed."""

    @blp.response(200, content_type="text/calendar")
    def get(self, secret: str) -> Response:
        """All assignments of the volunteer owning this secret, as iCalendar."""
        if len(secret) < 16:
            abort(404, message="未找到 / not found")
        session = db()
        cs = session.scalar(
            sa.select(ChannelSettings).where(ChannelSettings.calendar_secret == secret)
        )
        if cs is None:
            not_found()
        body = feed(session, cs, settings())
        response = Response(body, mimetype="text/calendar")
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        response.headers["Cache-Control"] = "private, max-age=300"
        return response
