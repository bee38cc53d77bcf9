"""`/notifications/<id>/deliveries` and `/notifications/<id>/resend`."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from notifier.auth import principal, require_roles
from notifier.models import ChannelSettings, Notification
from notifier.notifications import service
from notifier.notifications.schemas import DeliveryLogSchema, DeliverySchema, ResendSchema
from notifier.web import db, not_found

blp = Blueprint("Notifications", __name__, url_prefix="/notifications",
                description="Delivery log and resending of notifications.")


def _visible(notification_id: int) -> Notification:
    session = db()
    notification = session.get(Notification, notification_id)
    if notification is None:
        not_found()
    cs = session.get(ChannelSettings, notification.volunteer_id)
    if not principal().can_see_volunteer(notification.volunteer_id,
                                         cs.community_id if cs else None):
        not_found()
    return notification


@blp.route("/<int:notification_id>/deliveries")
class DeliveryLog(MethodView):
    """Where a notification went and how each attempt ended."""

    @blp.response(200, DeliveryLogSchema)
    def get(self, notification_id: int) -> dict[str, Any]:
        """Deliveries and attempts: channel, status, error, idempotency key."""
        return service.delivery_log(db(), _visible(notification_id))


@blp.route("/<int:notification_id>/resend")
class Resend(MethodView):
    """Send a notification again."""

    @blp.arguments(ResendSchema)
    @blp.response(202, DeliverySchema)
    def post(self, body: dict[str, Any], notification_id: int) -> Any:
        """Queue a new attempt of the same alert (new key only after a definite failure)."""
        require_roles("admin", "coordinator", "service")
        session = db()
        notification = _visible(notification_id)
        try:
            delivery = service.resend(session, notification, body.get("channel"))
        except service.ResendRefused as exc:
            abort(409, message=f"无法重发 / cannot resend: {exc}")
        session.commit()
        return {**{c: getattr(delivery, c) for c in (
            "id", "channel", "status", "not_before", "failures", "last_error", "sent_at")},
            "idempotency_key": delivery.idempotency_key, "attempts": []}
