"""`/webhook-targets`: community webhooks and WeCom / DingTalk group robots."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from notifier.auth import require_roles
from notifier.channels.ssrf import UnsafeTarget
from notifier.models import WebhookTarget
from notifier.web import db, not_found, settings, state
from notifier.webhooks import service
from notifier.webhooks.schemas import TargetInSchema, TargetQuerySchema, TargetSchema

blp = Blueprint("WebhookTargets", __name__, url_prefix="/webhook-targets",
                description="Webhook and group-robot targets of communities.")


def unsafe(exc: UnsafeTarget) -> None:
    """Answer 422 naming the field, for a URL the SSRF rules refuse."""
    abort(422, message="目标地址不允许 / target not allowed",
          errors={"json": {"url": [str(exc)]}})


@blp.route("")
class Targets(MethodView):
    """Targets of the caller's communities."""

    @blp.arguments(TargetQuerySchema, location="query")
    @blp.response(200, TargetSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[WebhookTarget]:
        """List enabled targets (secrets never shown)."""
        caller = require_roles("admin", "coordinator", "service")
        scope = None if caller.sees_all else caller.community_ids
        return service.list_targets(db(), scope, args.get("community_id"))

    @blp.arguments(TargetInSchema)
    @blp.response(201, TargetSchema)
    def post(self, body: dict[str, Any]) -> WebhookTarget:
        """Add a target; its URL must resolve to public addresses only."""
        caller = require_roles("admin", "coordinator", "service")
        if not caller.can_manage_community(body["community_id"]):
            abort(404, message="未找到 / not found")
        session = db()
        try:
            target = service.create_target(session, state().vault, settings(), **body)
        except UnsafeTarget as exc:
            unsafe(exc)
        session.commit()
        return target


@blp.route("/<int:target_id>")
class Target(MethodView):
    """One target."""

    @blp.response(204)
    def delete(self, target_id: int) -> None:
        """Disable a target (deliveries to it stop)."""
        caller = require_roles("admin", "coordinator", "service")
        session = db()
        target = session.get(WebhookTarget, target_id)
        if target is None or not caller.can_manage_community(target.community_id):
            not_found()
        target.enabled = False
        session.commit()
