"""Delivery log and resend, as plain functions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from notifier.models import Delivery, DeliveryAttempt, Notification


class ResendRefused(Exception):
    """The delivery is still under way, or there is nothing to resend."""


def delivery_log(session: Session, notification: Notification) -> dict[str, Any]:
    """The notification with its deliveries and their attempts, oldest first."""
    deliveries = session.scalars(
        sa.select(Delivery).where(Delivery.notification_id == notification.id)
        .order_by(Delivery.id)
    ).all()
    attempts: dict[int, list[DeliveryAttempt]] = {d.id: [] for d in deliveries}
    for attempt in session.scalars(
        sa.select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(list(attempts)))
        .order_by(DeliveryAttempt.id)
    ):
        attempts[attempt.delivery_id].append(attempt)
    return {
        "id": notification.id, "volunteer_id": notification.volunteer_id,
        "kind": notification.kind, "subject": notification.subject,
        "language": notification.language, "created_at": notification.created_at,
        "deliveries": [
            {**{c: getattr(d, c) for c in ("id", "channel", "status", "not_before", "failures",
                                           "last_error", "sent_at")},
             "idempotency_key": d.idempotency_key, "attempts": attempts[d.id]}
            for d in deliveries
        ],
    }


def resend(session: Session, notification: Notification, channel: str | None) -> Delivery:
    """Queue the same alert again; a new key suffix only after a definite failure."""
    query = sa.select(Delivery).where(Delivery.notification_id == notification.id)
    if channel:
        query = query.where(Delivery.channel == channel)
    deliveries = session.scalars(query.order_by(Delivery.id.desc())).all()
    if not deliveries:
        raise ResendRefused("no delivery on that channel")
    delivery = deliveries[0]
    if delivery.status in ("pending", "sending"):
        raise ResendRefused("delivery still under way")
    if delivery.status == "failed":
        # The provider refused the last key for good: a fresh key is a new attempt.
        delivery.key_suffix += 1
    delivery.status = "pending"
    delivery.failures = 0
    delivery.not_before = datetime.now(UTC)
    delivery.lease_until = None
    delivery.claim_token = None
    delivery.batch_key = None
    return delivery
