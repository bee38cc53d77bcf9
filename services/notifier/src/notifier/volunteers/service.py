"""Create or update a volunteer's channel settings."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from notifier.crypto import Vault
from notifier.masking import mask_phone
from notifier.models import ChannelSettings, WebhookTarget
from notifier.webhooks.service import create_target


class BadRobot(ValueError):
    """The robot target is unknown, disabled, or of another community."""


def upsert(session: Session, vault: Vault, settings: dict[str, Any], volunteer_id: int,
           changes: dict[str, Any]) -> ChannelSettings:
    """Apply `changes`; webhook URLs are checked (raises UnsafeTarget), phones encrypted."""
    now = datetime.now(UTC)
    cs = session.get(ChannelSettings, volunteer_id)
    if cs is None:
        cs = ChannelSettings(volunteer_id=volunteer_id, language="zh-CN", channels=["inapp"],
                             consents={}, calendar_secret=secrets.token_urlsafe(32),
                             updated_at=now)
        session.add(cs)
    for name in ("community_id", "display_name", "language", "email", "channels",
                 "quiet_start", "quiet_end"):
        if name in changes:
            setattr(cs, name, changes[name])
    if "phone" in changes:
        phone = changes["phone"]
        cs.phone_ciphertext = vault.encrypt(phone)
        cs.phone_masked = mask_phone(phone)
    if "consents" in changes:
        # A consent is kept as the moment it was given; withdrawing removes it.
        consents = dict(cs.consents or {})
        for channel, given in changes["consents"].items():
            if given:
                consents.setdefault(channel, now.isoformat())
            else:
                consents.pop(channel, None)
        cs.consents = consents
    if changes.get("webhook_url"):
        target = create_target(
            session, vault, settings, kind="webhook", name=f"volunteer {volunteer_id}",
            url=changes["webhook_url"], secret=changes.get("webhook_secret"),
            volunteer_id=volunteer_id,
        )
        cs.webhook_target_id = target.id
    elif "webhook_url" in changes:
        cs.webhook_target_id = None
    if "robot_target_id" in changes:
        robot_id = changes["robot_target_id"]
        if robot_id is not None:
            robot = session.get(WebhookTarget, robot_id)
            if (robot is None or not robot.enabled or robot.kind not in ("wecom", "dingtalk")
                    or robot.community_id != cs.community_id):
                raise BadRobot("robot_target_id")
        cs.robot_target_id = robot_id
    cs.updated_at = now
    session.flush()
    return cs


def calendar_url(settings: dict[str, Any], cs: ChannelSettings) -> str:
    """The secret iCalendar feed URL of a volunteer."""
    return f"{settings['PUBLIC_BASE_URL'].rstrip('/')}/calendar/{cs.calendar_secret}.ics"
