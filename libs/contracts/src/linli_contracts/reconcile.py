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

`PeriodicReconciliation` runs the pass inside a relay process (see
docs/decisions/0004-reconciliation.md): every `<SERVICE>_RECONCILE_INTERVAL` seconds when
`<SERVICE>_RECONCILE_INBOX_URL` names the consumer's database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from linli_contracts import topology
from linli_contracts.database import absolute_database_url
from linli_contracts.inbox import inbox_table
from linli_contracts.outbox import OutboxRelay

log = logging.getLogger(__name__)

_CHUNK = 500
#: A relay's settings, under its service's prefix (`REGISTRY_RECONCILE_INBOX_URL`, …): the
#: consumer's database (unset: no reconciliation) and seconds between passes (0: none).
RELAY_SETTINGS: dict[str, Any] = {"RECONCILE_INBOX_URL": None, "RECONCILE_INTERVAL": 60.0}


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


def inbox_engine(url: str) -> Engine:
    """An engine on the consumer's database that only reads (plain PostgreSQL URLs get the
    installed psycopg 3 driver; SQLite waits for the consumer's writes instead of failing)."""
    url = absolute_database_url(url)
    if url.startswith("sqlite"):
        return sa.create_engine(url, connect_args={"timeout": 30})
    return sa.create_engine(url, pool_pre_ping=True, pool_size=1, max_overflow=0)


class PeriodicReconciliation:
    """A reconciliation pass every `interval` seconds in a thread of the relay process, with a
    relay (and broker connection) of its own; the first pass runs at start."""

    def __init__(self, reconciler: Reconciler, interval: float) -> None:
        self.reconciler = reconciler
        self.interval = interval
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.run, name="reconciliation", daemon=True)

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], engine: Engine, outbox: sa.Table, broker_url: str,
        *, consumer: str, inbox: str, queue: str,
    ) -> PeriodicReconciliation | None:
        """The reconciliation a relay's settings ask for, or None when they ask for none.

        `consumer`, `inbox` and `queue` name the consumer whose inbox table the settings'
        database holds (its name in the inbox, the table, the queue it reads).
        """
        url = settings.get("RECONCILE_INBOX_URL") or None
        raw = settings.get("RECONCILE_INTERVAL")
        interval = float(RELAY_SETTINGS["RECONCILE_INTERVAL"] if raw in (None, "") else raw)
        if not url or interval <= 0:
            return None
        table = inbox_table(sa.MetaData(), inbox)
        relay = OutboxRelay(engine, outbox, str(broker_url))
        return cls(Reconciler(relay, inbox_engine(str(url)), table, consumer, queue), interval)

    def run(self) -> None:
        """Pass after pass until `stopping` is set; a failed pass (the consumer's database or
        the broker away) is logged and the next one runs on time."""
        while not self.stopping.is_set():
            try:
                self.reconciler.run_once()
            except Exception:  # noqa: BLE001 - reconciliation must not end the relay
                log.warning("reconciliation pass failed", exc_info=True)
            self.stopping.wait(self.interval)

    def start(self) -> None:
        """Run the passes in the background."""
        log.info("reconciling with %s's inbox every %s s", self.reconciler.consumer,
                 self.interval)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the pass in hand; release the connections."""
        self.stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self.reconciler.relay.close()
        self.reconciler.inbox_engine.dispose()
