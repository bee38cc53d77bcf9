"""Alerts: render a notification, put it in the inbox, queue its delivery on one channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from linli_contracts import logs
from notifier.db import table_of
from notifier.domain.channels import usable_channels
from notifier.domain.quiet_hours import release_time
from notifier.domain.templates import Item, language_of, render
from notifier.models import (
    Assignment,
    ChannelSettings,
    Delivery,
    InboxMessage,
    Notification,
    WebhookTarget,
)
from notifier.tokens import make_token, response_links

ROBOT_KINDS = ("wecom", "dingtalk")


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite hands back naive ones)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def load_settings(session: Session, volunteer_ids: list[int]) -> dict[int, Any]:
    """Many volunteers' channel settings in a few queries (None for those without).

    Plain rows with the attributes of `ChannelSettings`, read-only: a publication reads
    thousands, and building ORM objects for them costs more than the query.
    """
    found: dict[int, Any] = dict.fromkeys(volunteer_ids)
    columns = table_of(ChannelSettings).c
    for start in range(0, len(volunteer_ids), 500):
        chunk = volunteer_ids[start:start + 500]
        for cs in session.execute(
            sa.select(*columns).where(columns.volunteer_id.in_(chunk))
        ):
            found[cs.volunteer_id] = cs
    return found


def available_channels(
    session: Session, cs: ChannelSettings | None,
    robots: dict[int, WebhookTarget | None] | None = None,
) -> dict[str, int | None]:
    """External channels a volunteer can be reached on, with the target each one uses."""
    if cs is None:
        return {}
    found: dict[str, int | None] = {}
    if cs.email:
        found["email"] = None
    if cs.phone_ciphertext:
        found["sms"] = None
    if cs.webhook_target_id:
        found["webhook"] = cs.webhook_target_id
    if cs.robot_target_id:
        robots = {} if robots is None else robots
        if cs.robot_target_id not in robots:
            robots[cs.robot_target_id] = session.get(WebhookTarget, cs.robot_target_id)
        robot = robots[cs.robot_target_id]
        if robot is not None and robot.enabled and robot.kind in ROBOT_KINDS:
            found[robot.kind] = robot.id
    return found


class QuietHours(Protocol):
    """What quiet hours are read from: a settings row, or just its columns."""

    quiet_start: str | None
    quiet_end: str | None


def delivery_release(channel: str, cs: QuietHours | None, settings: dict[str, Any],
                     now: datetime) -> datetime:
    """When a delivery may go out: SMS waits for the end of the volunteer's quiet hours."""
    if channel != "sms":
        return now
    start = (cs.quiet_start if cs else None) or settings["QUIET_START"]
    end = (cs.quiet_end if cs else None) or settings["QUIET_END"]
    return release_time(now, start, end, settings["TIMEZONE"])


@dataclass
class AlertSpec:
    """One alert to create: who, what kind, which assignments, and its unique key."""

    volunteer_id: int
    kind: str
    dedupe_key: str
    #: Assignments (or rows with `assignment_id`, `role` and `shift`) the alert is about.
    assignments: list[Any]
    plan: tuple[int, int] | None = None
    previous: dict[str, Any] | None = None
    reason: str | None = None


def create_notification(
    session: Session, settings: dict[str, Any], now: datetime, *, volunteer_id: int, kind: str,
    dedupe_key: str, assignments: list[Assignment], plan: tuple[int, int] | None = None,
    previous: dict[str, Any] | None = None, reason: str | None = None,
) -> int | None:
    """Render an alert, put it in the inbox and queue its delivery; return its id.

    None when an alert with this `dedupe_key` exists already.
    """
    exists = session.scalar(sa.select(Notification.id).where(Notification.dedupe_key == dedupe_key))
    if exists is not None:
        return None
    spec = AlertSpec(volunteer_id, kind, dedupe_key, assignments, plan, previous, reason)
    cs = session.get(ChannelSettings, volunteer_id)
    return create_notifications(session, settings, now, [spec], {volunteer_id: cs})[0]


def _render(spec: AlertSpec, cs: ChannelSettings | None, settings: dict[str, Any],
            now: datetime) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    language = language_of(cs.language if cs else None)
    base = settings["PUBLIC_BASE_URL"]
    links_base = settings.get("RESPONSE_BASE_URL") or base
    items = []
    actions = []
    for row in spec.assignments:
        confirm = decline = None
        if spec.kind != "cancelled":
            token = make_token(settings["SECRET_KEY"], row.assignment_id, spec.volunteer_id)
            confirm, decline = response_links(links_base, token)
            actions.append({"assignment_id": row.assignment_id,
                            "responses": ["confirmed", "declined"]})
        items.append(Item(row.assignment_id, row.role, row.shift, confirm, decline,
                          spec.previous if spec.kind == "changed" else None))
    rendered = render(spec.kind, language, cs.display_name if cs else None, items,
                      inbox_url=f"{base.rstrip('/')}/inbox", reason=spec.reason)
    notification = {
        "volunteer_id": spec.volunteer_id, "kind": spec.kind, "dedupe_key": spec.dedupe_key,
        "plan_id": spec.plan[0] if spec.plan else None,
        "plan_version": spec.plan[1] if spec.plan else None,
        "assignment_ids": [row.assignment_id for row in spec.assignments],
        "language": language, "subject": rendered.subject[:200], "body_text": rendered.text,
        "body_markdown": rendered.markdown, "sms_params": rendered.sms_params,
        # The event's correlation id, logged again with every delivery of this alert.
        "correlation_id": logs.correlation_id(),
        "created_at": now,
    }
    return notification, actions, rendered.text


def create_notifications(
    session: Session, settings: dict[str, Any], now: datetime, specs: list[AlertSpec],
    people: dict[int, Any],
) -> list[int]:
    """Create many alerts at once (inserted in bulk); the caller made sure they are new.

    `people` maps volunteers to their settings: `ChannelSettings` objects or the rows of
    `load_settings`, which have the same attributes.
    """
    if session.new or session.dirty:
        session.flush()  # the bulk inserts below must not overtake pending ORM changes
    rendered = [_render(spec, people.get(spec.volunteer_id), settings, now) for spec in specs]
    table = table_of(Notification)
    # Plain executemany inserts: the ORM's per-object bookkeeping is most of the cost here.
    ids = list(session.scalars(
        sa.insert(table).returning(table.c.id, sort_by_parameter_order=True),
        [notification for notification, _, _ in rendered],
    ))
    robots: dict[int, WebhookTarget | None] = {}
    messages: list[dict[str, Any]] = []
    deliveries: list[dict[str, Any]] = []
    for notification_id, (notification, actions, text), spec in zip(
        ids, rendered, specs, strict=True
    ):
        messages.append({
            "notification_id": notification_id, "volunteer_id": spec.volunteer_id,
            "title": notification["subject"], "body": text, "actions": actions, "created_at": now,
            "read_at": None,
        })
        cs = people.get(spec.volunteer_id)
        available = available_channels(session, cs, robots)
        chosen = usable_channels(cs.channels if cs else [], cs.consents if cs else {}, available)
        if chosen:
            channel = chosen[0]
            deliveries.append({
                "notification_id": notification_id, "channel": channel,
                "target_id": available[channel], "status": "pending",
                "not_before": delivery_release(channel, cs, settings, now), "lease_until": None,
                "claim_token": None, "claims": 0, "failures": 0, "key_suffix": 0,
                "batch_key": None, "last_error": None, "created_at": now, "sent_at": None,
            })
    session.execute(sa.insert(table_of(InboxMessage)), messages)
    if deliveries:
        session.execute(sa.insert(table_of(Delivery)), deliveries)
    return ids


def fall_back(session: Session, delivery: Delivery, settings: dict[str, Any],
              now: datetime) -> Delivery | None:
    """After a definite failure, queue the alert on the volunteer's next usable channel."""
    notification = session.get(Notification, delivery.notification_id)
    if notification is None:
        return None
    cs = session.get(ChannelSettings, notification.volunteer_id)
    available = available_channels(session, cs)
    chosen = usable_channels(cs.channels if cs else [], cs.consents if cs else {}, available)
    tried = set(session.scalars(
        sa.select(Delivery.channel).where(Delivery.notification_id == notification.id)
    ))
    for channel in chosen:
        if channel not in tried:
            fallback = Delivery(
                notification_id=notification.id, channel=channel, target_id=available[channel],
                status="pending", not_before=delivery_release(channel, cs, settings, now),
                claims=0, failures=0, key_suffix=0, created_at=now,
            )
            session.add(fallback)
            return fallback
    return None

