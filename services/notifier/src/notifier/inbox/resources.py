"""`/inbox`: a volunteer's messages; mark read; answer from a button."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from notifier.auth import principal
from notifier.inbox import service
from notifier.inbox.schemas import (
    InboxMessageSchema,
    InboxPageSchema,
    InboxQuerySchema,
    InboxRespondSchema,
)
from notifier.models import ChannelSettings, InboxMessage
from notifier.responses.schemas import ResponseOutSchema
from notifier.responses.service import AlreadyAnswered, NotAnswerable
from notifier.web import db, not_found

blp = Blueprint("Inbox", __name__, url_prefix="/inbox", description="In-app messages.")

NOT_FOUND = "未找到 / not found"


def _community_of(volunteer_id: int) -> int | None:
    cs = db().get(ChannelSettings, volunteer_id)
    return cs.community_id if cs else None


def _visible_volunteer(volunteer_id: int | None) -> int:
    caller = principal()
    if volunteer_id is None:
        if caller.role != "volunteer":
            abort(422, message="volunteer_id is required", errors={"query": {
                "volunteer_id": ["Missing data for required field."]}})
        return int(caller.volunteer_id or 0)
    if not caller.can_see_volunteer(volunteer_id, _community_of(volunteer_id)):
        abort(404, message=NOT_FOUND)
    return volunteer_id


def _own_message(message_id: int) -> InboxMessage:
    """Only the volunteer a message belongs to may act on it; anyone else sees 404."""
    message = db().get(InboxMessage, message_id)
    caller = principal()
    if message is None or caller.role != "volunteer" or caller.volunteer_id != message.volunteer_id:
        not_found()
    return message


@blp.route("")
class Inbox(MethodView):
    """A volunteer's inbox."""

    @blp.arguments(InboxQuerySchema, location="query")
    @blp.response(200, InboxPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List messages, newest first (volunteers see only their own)."""
        volunteer_id = _visible_volunteer(args.get("volunteer_id"))
        return service.page(db(), volunteer_id, unread=args["unread"], limit=args["limit"],
                            offset=args["offset"])


@blp.route("/<int:message_id>/read")
class InboxRead(MethodView):
    """Reading state of one message."""

    @blp.response(200, InboxMessageSchema)
    def post(self, message_id: int) -> Any:
        """Mark a message read."""
        session = db()
        message = service.mark_read(session, _own_message(message_id))
        session.commit()
        return message


@blp.route("/<int:message_id>/respond")
class InboxRespond(MethodView):
    """The confirm / decline buttons of one message."""

    @blp.arguments(InboxRespondSchema)
    @blp.response(201, ResponseOutSchema)
    def post(self, body: dict[str, Any], message_id: int) -> Any:
        """Confirm or decline one of the message's assignments (once)."""
        session = db()
        message = _own_message(message_id)
        allowed = {a.get("assignment_id") for a in message.actions or []}
        if body["assignment_id"] not in allowed:
            abort(404, message=NOT_FOUND)
        try:
            answer = service.respond(session, message, body["assignment_id"], body["response"],
                                     body["reason"])
            session.commit()
        except AlreadyAnswered:
            session.rollback()
            abort(409, message="已回复过 / already answered")
        except NotAnswerable:
            session.rollback()
            abort(409, message="该班次已取消 / this assignment is no longer open")
        return answer
