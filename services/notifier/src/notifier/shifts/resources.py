"""`/volunteers/<id>/shifts`, `/assignments/<id>/response` and `/plans/<id>/responses`."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from notifier.auth import principal
from notifier.models import ChannelSettings
from notifier.responses.schemas import ResponseInSchema, ResponseOutSchema
from notifier.responses.service import AlreadyAnswered, NotAnswerable
from notifier.shifts import service
from notifier.shifts.schemas import ShiftAnswerSchema
from notifier.web import db, not_found

blp = Blueprint("Shifts", __name__, description="Shifts with their answers.")


@blp.route("/volunteers/<int:volunteer_id>/shifts")
class VolunteerShifts(MethodView):
    """A volunteer's shifts."""

    @blp.response(200, ShiftAnswerSchema(many=True))
    def get(self, volunteer_id: int) -> list[dict[str, Any]]:
        """Every shift of the volunteer (past and coming) with its latest answer."""
        caller = principal()
        cs = db().get(ChannelSettings, volunteer_id)
        community = cs.community_id if cs else None
        if not caller.can_see_volunteer(volunteer_id, community):
            not_found()
        return service.volunteer_shifts(db(), volunteer_id)


@blp.route("/assignments/<int:assignment_id>/response")
class OwnResponse(MethodView):
    """The volunteer's own answer to one assignment."""

    @blp.arguments(ResponseInSchema)
    @blp.response(201, ResponseOutSchema)
    def post(self, body: dict[str, Any], assignment_id: int) -> Any:
        """Confirm or decline one's own assignment; publishes `assignment.response`."""
        caller = principal()
        if caller.role != "volunteer" or caller.volunteer_id is None:
            not_found()
        session = db()
        try:
            answer = service.answer(session, caller.volunteer_id, assignment_id,
                                    body["response"], body["reason"])
            session.commit()
        except AlreadyAnswered:
            session.rollback()
            abort(409, message="已回复过 / already answered")
        except NotAnswerable as exc:
            session.rollback()
            if str(exc) == "unknown assignment":
                not_found()
            abort(409, message="该班次已取消 / this assignment is no longer open")
        return answer


@blp.route("/plans/<int:plan_id>/responses")
class PlanResponses(MethodView):
    """Answers to a plan."""

    @blp.response(200, ShiftAnswerSchema(many=True))
    def get(self, plan_id: int) -> list[dict[str, Any]]:
        """Each assignment of the plan the caller may see, with its latest answer."""
        caller = principal()
        if caller.role not in ("admin", "service", "coordinator"):
            not_found()
        scope = None if caller.sees_all else caller.community_ids
        return service.plan_responses(db(), plan_id, scope)
