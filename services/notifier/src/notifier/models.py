"""Tables of the notifier's own database (SQLAlchemy 2); Alembic migrations mirror them.

Contact details arrive through the notifier's API (`PUT /volunteers/<id>/channel-settings`),
never through events: events carry only volunteer ids. Phone numbers are stored encrypted,
beside a masked copy for display.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from linli_contracts.inbox import inbox_table
from linli_contracts.outbox import outbox_table

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Stamp = sa.DateTime(timezone=True)


class Base(DeclarativeBase):
    """Declarative base; its metadata holds every table, the contracts' ones included."""

    type_annotation_map = {dict[str, Any]: Json, list[Any]: Json, datetime: Stamp}


consumer_inbox = inbox_table(Base.metadata, "consumer_inbox")
outbox = outbox_table(Base.metadata, "outbox")


class WebhookTarget(Base):
    """A generic webhook, WeCom or DingTalk group robot, owned by a community or a volunteer."""

    __tablename__ = "webhook_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(100))
    url: Mapped[str] = mapped_column(sa.Text)
    secret_ciphertext: Mapped[str | None] = mapped_column(sa.Text)
    community_id: Mapped[int | None] = mapped_column(index=True)
    volunteer_id: Mapped[int | None] = mapped_column(index=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class ChannelSettings(Base):
    """How one volunteer wants to be reached: channels in order, consents, language, quiet hours."""

    __tablename__ = "channel_settings"

    volunteer_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    community_id: Mapped[int | None] = mapped_column(index=True)
    display_name: Mapped[str | None] = mapped_column(sa.String(100))
    language: Mapped[str] = mapped_column(sa.String(8), default="zh-CN")
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone_ciphertext: Mapped[str | None] = mapped_column(sa.Text)
    phone_masked: Mapped[str | None] = mapped_column(sa.String(20))
    channels: Mapped[list[Any]] = mapped_column(default=list)
    consents: Mapped[dict[str, Any]] = mapped_column(default=dict)
    webhook_target_id: Mapped[int | None] = mapped_column(sa.ForeignKey("webhook_targets.id"))
    robot_target_id: Mapped[int | None] = mapped_column(sa.ForeignKey("webhook_targets.id"))
    quiet_start: Mapped[str | None] = mapped_column(sa.String(5))
    quiet_end: Mapped[str | None] = mapped_column(sa.String(5))
    calendar_secret: Mapped[str] = mapped_column(sa.String(64), unique=True)
    updated_at: Mapped[datetime]


class Assignment(Base):
    """The notifier's copy of a published assignment, as the events described it."""

    __tablename__ = "assignments"

    assignment_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    volunteer_id: Mapped[int] = mapped_column(index=True)
    plan_id: Mapped[int]
    plan_version: Mapped[int]
    role: Mapped[str] = mapped_column(sa.String(100))
    shift: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(sa.String(16))
    sequence: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (sa.Index("ix_assignments_plan", "plan_id", "plan_version", "volunteer_id"),)


class Publication(Base):
    """Progress of one published plan version: how many assignments were announced and seen."""

    __tablename__ = "publications"

    plan_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    plan_version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    expected_count: Mapped[int | None]
    received_count: Mapped[int] = mapped_column(default=0)
    announced_at: Mapped[datetime | None]
    last_event_at: Mapped[datetime]
    digested_at: Mapped[datetime | None]


class Notification(Base):
    """One logical alert to one volunteer (a digest, a change, a cancellation, a reminder)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    plan_id: Mapped[int | None]
    plan_version: Mapped[int | None]
    assignment_ids: Mapped[list[Any]] = mapped_column(default=list)
    language: Mapped[str] = mapped_column(sa.String(8))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_markdown: Mapped[str] = mapped_column(sa.Text)
    sms_params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Correlation id of the event that caused the alert, logged with each delivery.
    correlation_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]


class InboxMessage(Base):
    """The in-app copy of a notification, with its confirm/decline actions."""

    __tablename__ = "inbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(sa.ForeignKey("notifications.id"), unique=True)
    volunteer_id: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    actions: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class Delivery(Base):
    """A notification to send on one external channel; claimed by workers under a lease."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(sa.ForeignKey("notifications.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(16))
    target_id: Mapped[int | None] = mapped_column(sa.ForeignKey("webhook_targets.id"))
    status: Mapped[str] = mapped_column(sa.String(16))
    not_before: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    claims: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
    key_suffix: Mapped[int] = mapped_column(default=0)
    batch_key: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        sa.UniqueConstraint("notification_id", "channel", name="uq_deliveries_channel"),
        sa.Index("ix_deliveries_due", "status", "not_before"),
    )

    @property
    def idempotency_key(self) -> str:
        """Stable key of the current attempt: changes only after a definite failure."""
        base = f"linli-n{self.notification_id}-{self.channel}"
        return base if not self.key_suffix else f"{base}-r{self.key_suffix}"


class DeliveryAttempt(Base):
    """One call to a provider and what came of it."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("deliveries.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(120), index=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    error: Mapped[str | None] = mapped_column(sa.Text)
    provider_message_id: Mapped[str | None] = mapped_column(sa.String(200))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]


class Reminder(Base):
    """A reminder due at a time; claimed once by setting `sent_at` where it is still empty."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(index=True)
    volunteer_id: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(16))
    sequence: Mapped[int]
    due_at: Mapped[datetime] = mapped_column(index=True)
    sent_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    notification_id: Mapped[int | None]

    __table_args__ = (sa.UniqueConstraint("assignment_id", "kind", "sequence"),)


class Response(Base):
    """A volunteer's confirmation or refusal, recorded once per link (jti)."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    jti: Mapped[str] = mapped_column(sa.String(64), unique=True)
    assignment_id: Mapped[int] = mapped_column(index=True)
    volunteer_id: Mapped[int]
    response: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    channel: Mapped[str] = mapped_column(sa.String(16))
    message_id: Mapped[str] = mapped_column(sa.String(36))
    responded_at: Mapped[datetime]


class RobotRate(Base):
    """Messages sent to one robot in one minute, shared by every worker."""

    __tablename__ = "robot_rate"

    target_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    window: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(default=0)
