"""`/volunteers/<id>/channel-settings`: how a volunteer is reached."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from notifier.auth import principal
from notifier.channels.ssrf import UnsafeTarget
from notifier.models import ChannelSettings
from notifier.volunteers import service
from notifier.volunteers.schemas import SettingsInSchema, SettingsSchema
from notifier.web import db, not_found, settings, state
from notifier.webhooks.resources import unsafe

blp = Blueprint("ChannelSettings", __name__, url_prefix="/volunteers",
                description="Channels, consents, language and quiet hours of volunteers.")


def _view(cs: ChannelSettings) -> dict[str, Any]:
    caller = principal()
    view = {c.name: getattr(cs, c.name) for c in ChannelSettings.__table__.columns}
    own = caller.role == "volunteer" or caller.sees_all
    # The feed URL is a secret: only the volunteer (and admins/services) see it.
    view["calendar_url"] = service.calendar_url(settings(), cs) if own else None
    return view


@blp.route("/<int:volunteer_id>/channel-settings")
class Settings(MethodView):
    """One volunteer's settings."""

    @blp.response(200, SettingsSchema)
    def get(self, volunteer_id: int) -> dict[str, Any]:
        """Show the settings (phone masked)."""
        cs = db().get(ChannelSettings, volunteer_id)
        if cs is None or not principal().can_see_volunteer(volunteer_id, cs.community_id):
            not_found()
        return _view(cs)

    @blp.arguments(SettingsInSchema)
    @blp.response(200, SettingsSchema)
    def put(self, body: dict[str, Any], volunteer_id: int) -> dict[str, Any]:
        """Create or update the settings; webhook URLs must be public."""
        caller = principal()
        session = db()
        cs = session.get(ChannelSettings, volunteer_id)
        community = cs.community_id if cs else body.get("community_id")
        if not caller.can_see_volunteer(volunteer_id, community):
            abort(404, message="未找到 / not found")
        if ("community_id" in body and caller.role == "coordinator"
                and body["community_id"] not in caller.community_ids):
            abort(404, message="未找到 / not found")
        if "community_id" in body and caller.role == "volunteer" and cs is not None \
                and body["community_id"] != cs.community_id:
            abort(403, message="无权修改所属社区 / community is set by coordinators")
        try:
            saved = service.upsert(session, state().vault, settings(), volunteer_id, body)
        except UnsafeTarget as exc:
            session.rollback()
            unsafe(exc)
            raise
        except service.BadRobot:
            session.rollback()
            abort(422, message="群机器人无效 / unknown robot",
                  errors={"json": {"robot_target_id": ["unknown robot of this community"]}})
            raise
        session.commit()
        return _view(saved)
