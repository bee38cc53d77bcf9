"""Transactional outbox: events are stored with the change that caused them, then relayed.

A producer calls `record` inside its own transaction, so the event exists exactly when the
change does (a rollback leaves no event). `OutboxRelay` publishes unsent rows oldest first and
marks them sent in its own commit afterwards: a crash in between publishes the row again, and
the consumers' inbox suppresses the duplicate. A broker that is down costs only delay; the row
stays unsent, its attempts and last error are recorded, and the relay backs off.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from kombu import Connection, Producer
from sqlalchemy.engine import Engine

from linli_contracts import topology
from linli_contracts.envelope import Envelope
from linli_contracts.metrics import RELAY_FAILURES, RELAYED

log = logging.getLogger(__name__)

DEFAULT_RETRY_POLICY: dict[str, Any] = {
    "max_retries": 3,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 2,
}


def outbox_table(metadata: sa.MetaData, name: str = "outbox") -> sa.Table:
    """Define the outbox table on the service's own metadata."""
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.String(36), primary_key=True, comment="message id"),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("body", sa.Text, nullable=False, comment="the envelope as JSON text"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Index(f"ix_{name}_unsent", "published_at", "created_at"),
    )


def _utcnow() -> datetime:
    return datetime.now(UTC)


def record(session_or_connection: Any, table: sa.Table, envelope: Envelope) -> None:
    """Insert the event in the caller's open transaction; the caller commits or rolls back."""
    session_or_connection.execute(
        table.insert().values(
            id=envelope.id,
            type=envelope.type,
            body=envelope.to_json(),
            created_at=_utcnow(),
            attempts=0,
        )
    )


def publish_envelope(producer: Producer, envelope: Envelope | str, *, type_: str, message_id: str,
                     retry_policy: dict[str, Any] | None = None) -> None:
    """Publish one envelope (or its stored JSON text) to the exchange of its type."""
    body = envelope.to_json() if isinstance(envelope, Envelope) else envelope
    exchange = topology.exchange_for(type_)
    producer.publish(
        body,
        exchange=exchange,
        routing_key=type_,
        # Already JSON text: giving the content type makes kombu send the bytes as they are.
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=2,
        message_id=message_id,
        correlation_id=message_id,
        headers={"message_id": message_id, "type": type_},
        retry=True,
        retry_policy=retry_policy or DEFAULT_RETRY_POLICY,
        declare=[exchange, *topology.all_queues()],
        # RabbitMQ (publisher confirms): a broker that never confirms fails the publish.
        confirm_timeout=topology.DEFAULT_CONFIRM_TIMEOUT,
    )


class OutboxRelay:
    """Publishes unsent outbox rows to the broker and marks them sent."""

    def __init__(
        self,
        engine: Engine,
        table: sa.Table,
        broker_url: str,
        *,
        batch_size: int = 100,
        poll_interval: float = 0.5,
        max_backoff: float = 30.0,
        retry_policy: dict[str, Any] | None = None,
        connection_options: dict[str, Any] | None = None,
    ) -> None:
        self.engine = engine
        self.table = table
        self.broker_url = broker_url
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self.retry_policy = retry_policy or DEFAULT_RETRY_POLICY
        self.connection_options = connection_options or {}
        self.consecutive_failures = 0
        self._connection: Connection | None = None
        # SKIP LOCKED lets several relays share the table; SQLite has one writer anyway.
        self._skip_locked = engine.dialect.name == "postgresql"

    def _producer(self) -> Producer:
        if self._connection is None:
            # No AMQP heartbeat: the relay only writes, and nothing would read the broker's
            # heartbeats between passes; a dead connection fails the publish and is replaced.
            options = {"heartbeat": 0, **self.connection_options}
            self._connection = topology.connection(self.broker_url, **options)
        return Producer(self._connection)

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # noqa: BLE001 - the connection is broken already
                log.debug("closing a broken broker connection failed", exc_info=True)
            self._connection = None

    def _claim(self, conn: sa.Connection, ids: Iterable[str] | None) -> list[sa.Row[Any]]:
        t = self.table
        query = sa.select(t.c.id, t.c.type, t.c.body)
        if ids is None:
            query = query.where(t.c.published_at.is_(None)).limit(self.batch_size)
        else:
            query = query.where(t.c.id.in_(list(ids)))
        query = query.order_by(t.c.created_at, t.c.id)
        if self._skip_locked:
            query = query.with_for_update(skip_locked=True)
        return list(conn.execute(query))

    def relay_once(self) -> int:
        """Publish one batch of unsent rows, oldest first; return how many were published."""
        return self._relay(None)

    def republish(self, ids: Iterable[str]) -> int:
        """Publish the given rows again, sent or not (for reconciliation); return the count."""
        return self._relay(list(ids))

    def _relay(self, ids: list[str] | None) -> int:
        published = 0
        t = self.table
        # One transaction holds the row locks while publishing, so a second relay skips these
        # rows; the mark-sent commit comes after the broker accepted them.
        with self.engine.begin() as conn:
            rows = self._claim(conn, ids)
            if not rows:
                return 0
            try:
                producer = self._producer()
            except Exception as exc:  # noqa: BLE001 - any broker failure only delays the rows
                self._failed(conn, rows[0].id, exc)
                return 0
            for row in rows:
                try:
                    publish_envelope(producer, row.body, type_=row.type, message_id=row.id,
                                     retry_policy=self.retry_policy)
                except Exception as exc:  # noqa: BLE001 - keep order: stop at the first failure
                    self._failed(conn, row.id, exc)
                    return published
                conn.execute(
                    t.update()
                    .where(t.c.id == row.id)
                    .values(published_at=_utcnow(), attempts=t.c.attempts + 1, last_error=None)
                )
                published += 1
                RELAYED.inc()
        self.consecutive_failures = 0
        return published

    def _failed(self, conn: sa.Connection, row_id: str, exc: Exception) -> None:
        self.consecutive_failures += 1
        RELAY_FAILURES.inc()
        error = f"{type(exc).__name__}: {str(exc).strip()}".splitlines()[0][:500]
        log.warning("outbox publish failed for message %s: %s", row_id, error)
        conn.execute(
            self.table.update()
            .where(self.table.c.id == row_id)
            .values(attempts=self.table.c.attempts + 1, last_error=error)
        )
        self._drop_connection()

    def backoff(self) -> float:
        """Seconds to wait before the next pass: the poll interval, doubled per failure."""
        if not self.consecutive_failures:
            return self.poll_interval
        return min(self.max_backoff, self.poll_interval * 2 ** self.consecutive_failures)

    def run(self, stop_event: threading.Event) -> None:
        """Relay until `stop_event` is set; never ends on a broker or database error."""
        try:
            while not stop_event.is_set():
                try:
                    published = self.relay_once()
                except Exception:  # noqa: BLE001 - a database outage must not end the relay
                    self.consecutive_failures += 1
                    log.warning("outbox relay pass failed", exc_info=True)
                    published = 0
                if published < self.batch_size or self.consecutive_failures:
                    stop_event.wait(self.backoff())
        finally:
            self._drop_connection()

    def close(self) -> None:
        """Release the broker connection."""
        self._drop_connection()
