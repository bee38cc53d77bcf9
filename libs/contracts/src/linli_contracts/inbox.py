"""Inbox: the ids of messages a consumer has processed, written with the message's effect.

The row is inserted in the same transaction as the handler's effect, before the effect, so a
second delivery of the same id either finds the row (and is skipped) or collides with it on
the primary key while the first is still in flight (and is skipped once that one commits).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from linli_contracts.envelope import Envelope


def inbox_table(metadata: sa.MetaData, name: str = "inbox") -> sa.Table:
    """Define the inbox table on the service's own metadata."""
    return sa.Table(
        name,
        metadata,
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("message_id", sa.String(36), primary_key=True),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def already_processed(session: Any, table: sa.Table, consumer: str, message_id: str) -> bool:
    """Whether `consumer` has committed the effect of message `message_id`."""
    query = sa.select(table.c.message_id).where(
        table.c.consumer == consumer, table.c.message_id == message_id
    )
    return session.execute(query).first() is not None


def mark_processed(session: Any, table: sa.Table, consumer: str, envelope: Envelope) -> None:
    """Record the message id in the caller's transaction (raises IntegrityError if present)."""
    session.execute(
        table.insert().values(
            consumer=consumer,
            message_id=envelope.id,
            type=envelope.type,
            processed_at=datetime.now(UTC),
        )
    )
