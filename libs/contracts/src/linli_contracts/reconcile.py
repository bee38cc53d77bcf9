"""Reconciliation: publish again what a producer published but its consumer never processed.

kombu's Redis transport pops a message and records it as unacknowledged in a second round
trip; a consumer killed between the two loses the message without a trace on the broker, and
a Redis that crashes loses what it had not yet written. The producer's outbox still has the
event (marked published) and the consumer's inbox lacks its id: comparing the two finds it.

A pass takes the outbox rows of the consumer's types published more than `grace` seconds ago
(time enough for an ordinary backlog to drain) and created within `horizon`, drops those whose
ids the consumer's inbox holds, and has the relay publish the rest again. Publishing moves the
row's `published_at` forward, so a message that keeps failing (dead-lettered each time) is
tried at most once per `grace` until it leaves the horizon. A duplicate is harmless: the inbox
suppresses it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from linli_contracts import topology
from linli_contracts.outbox import OutboxRelay

log = logging.getLogger(__name__)

_CHUNK = 500


def unconsumed(
    outbox_engine: Engine,
    outbox: sa.Table,
    inbox_engine: Engine,
    inbox: sa.Table,
    consumer: str,
    types: Iterable[str],
    *,
    grace: float,
    horizon: float,
    now: datetime | None = None,
) -> list[str]:
    """Ids of events of `types` published before `now - grace` that `consumer` never took."""
    now = now or datetime.now(UTC)
    with outbox_engine.connect() as conn:
        ids = list(conn.scalars(
            sa.select(outbox.c.id)
            .where(outbox.c.type.in_(list(types)),
                   outbox.c.published_at.is_not(None),
                   outbox.c.published_at < now - timedelta(seconds=grace),
                   outbox.c.created_at > now - timedelta(seconds=horizon))
            .order_by(outbox.c.created_at, outbox.c.id)
        ))
    seen: set[str] = set()
    with inbox_engine.connect() as conn:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            seen.update(conn.scalars(
                sa.select(inbox.c.message_id)
                .where(inbox.c.consumer == consumer, inbox.c.message_id.in_(chunk))
            ))
    return [i for i in ids if i not in seen]


class Reconciler:
    """Compares one producer's outbox with one consumer's inbox and re-publishes the gap."""

    def __init__(
        self,
        relay: OutboxRelay,
        inbox_engine: Engine,
        inbox: sa.Table,
        consumer: str,
        queue: str,
        *,
        grace: float = 600.0,
        horizon: float = 7 * 24 * 3600.0,
    ) -> None:
        self.relay = relay
        self.inbox_engine = inbox_engine
        self.inbox = inbox
        self.consumer = consumer
        self.types = topology.EVENT_QUEUES.get(queue) or topology.COMMAND_QUEUES[queue]
        self.grace = grace
        self.horizon = horizon

    def run_once(self) -> int:
        """One pass: return how many events were published again."""
        missing = unconsumed(
            self.relay.engine, self.relay.table, self.inbox_engine, self.inbox, self.consumer,
            self.types, grace=self.grace, horizon=self.horizon,
        )
        if not missing:
            return 0
        log.warning("reconciliation: %d event(s) published but never processed by %s; "
                    "publishing them again", len(missing), self.consumer)
        return self.relay.republish(missing)
