"""`/responses/<token>`: GET shows what the link answers (no change); POST records it once."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from notifier.responses.schemas import (
    ResponseArgsSchema,
    ResponseInSchema,
    ResponseLinkSchema,
    ResponseOutSchema,
)
from notifier.responses.service import (
    AlreadyAnswered,
    InvalidToken,
    NotAnswerable,
    assignment_for,
    grant_for,
    record_response,
    used,
)
from notifier.web import db, settings

blp = Blueprint("Responses", __name__, url_prefix="/responses",
                description="Confirm or decline an assignment through a signed link.")


def _grant(token: str) -> Any:
    try:
        return grant_for(token, settings())
    except InvalidToken as exc:
        if str(exc) == "expired":
            abort(410, message="链接已过期 / this link has expired")
        abort(404, message="链接无效 / unknown link")


@blp.route("/<string:token>")
class Response(MethodView):
    """One response link."""

    @blp.arguments(ResponseArgsSchema, location="query")
    @blp.response(200, ResponseLinkSchema)
    def get(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        """Show the assignment a link answers (safe for link previews: records nothing)."""
        grant = _grant(token)
        session = db()
        try:
            row = assignment_for(session, grant)
        except NotAnswerable:
            abort(404, message="链接无效 / unknown link")
        answer = used(session, grant.jti)
        return {
            "assignment_id": row.assignment_id, "volunteer_id": row.volunteer_id,
            "plan_id": row.plan_id, "role": row.role, "activity_name": row.shift["activity_name"],
            "date": row.shift["date"], "start": row.shift["start"], "end": row.shift["end"],
            "venue_name": row.shift.get("venue_name"), "status": row.status,
            "suggested": args.get("response"), "answered": answer.response if answer else None,
        }

    @blp.arguments(ResponseInSchema)
    @blp.response(201, ResponseOutSchema)
    def post(self, body: dict[str, Any], token: str) -> Any:
        """Record the response once and publish `assignment.response`."""
        grant = _grant(token)
        session = db()
        try:
            answer = record_response(session, grant, body["response"], body["reason"], "web")
            session.commit()
        except AlreadyAnswered:
            session.rollback()
            abort(409, message="此链接已使用 / this link was used already")
        except NotAnswerable:
            session.rollback()
            abort(409, message="该班次已取消 / this assignment is no longer open")
        return answer
