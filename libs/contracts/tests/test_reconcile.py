"""Reconciliation: outbox rows published but missing from the consumer's inbox, found and sent
again, against a real database (SQLite and PostgreSQL) and real Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa

from linli_contracts import make_event, parse_envelope, topology
from linli_contracts.examples import example_payload
from linli_contracts.inbox import mark_processed
from linli_contracts.outbox import OutboxRelay, record
from linli_contracts.reconcile import PeriodicReconciliation, Reconciler, unconsumed

FAST_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}
TYPES = topology.EVENT_QUEUES["notifier.events"]


def _store(engine: sa.Engine, kit: SimpleNamespace, type_: str, *, published_ago: float | None,
           created_ago: float = 60.0, consumed: bool = False) -> str:
    event = make_event(type_, example_payload(type_))
    now = datetime.now(UTC)
    with engine.begin() as conn:
        record(conn, kit.OUTBOX, event)
        conn.execute(kit.OUTBOX.update().where(kit.OUTBOX.c.id == event.id).values(
            created_at=now - timedelta(seconds=created_ago),
            published_at=None if published_ago is None else now - timedelta(
                seconds=published_ago)))
        if consumed:
            mark_processed(conn, kit.INBOX, "notifier", event)
    return event.id


def test_only_published_unconsumed_rows_past_the_grace_are_found(
    engine: sa.Engine, kit: SimpleNamespace
) -> None:
    lost = _store(engine, kit, "assignment.assigned", published_ago=30)
    _store(engine, kit, "assignment.assigned", published_ago=30, consumed=True)
    _store(engine, kit, "assignment.assigned", published_ago=1)  # may still be queued
    _store(engine, kit, "assignment.assigned", published_ago=None)  # the relay's business
    _store(engine, kit, "assignment.assigned", published_ago=30, created_ago=7200)
    _store(engine, kit, "assignment.response", published_ago=30)  # another queue's type
    found = unconsumed(engine, kit.OUTBOX, engine, kit.INBOX, "notifier", TYPES, grace=10,
                       horizon=3600)
    assert found == [lost]


def test_a_pass_publishes_the_gap_once_per_grace(
    engine: sa.Engine, kit: SimpleNamespace, redis_url: str
) -> None:
    lost = _store(engine, kit, "plan.published", published_ago=30)
    relay = OutboxRelay(engine, kit.OUTBOX, redis_url, retry_policy=FAST_RETRY)
    try:
        reconciler = Reconciler(relay, engine, kit.INBOX, "notifier", "notifier.events",
                                grace=10, horizon=3600)
        assert reconciler.run_once() == 1
        # Publishing moved published_at forward: the next pass waits another grace period.
        assert reconciler.run_once() == 0
    finally:
        relay.close()
    taken = kit.drain(redis_url, "notifier.events")
    assert [parse_envelope(m.body).id for m in taken] == [lost]


def test_relay_settings_turn_reconciliation_on_and_off(
    kit: SimpleNamespace, redis_url: str, tmp_path: Path
) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'producer.db'}")
    inbox_url = f"sqlite:///{tmp_path / 'consumer.db'}"
    kwargs = {"consumer": "notifier", "inbox": "consumer_inbox", "queue": "notifier.events"}
    for settings in ({}, {"RECONCILE_INBOX_URL": ""},
                     {"RECONCILE_INBOX_URL": inbox_url, "RECONCILE_INTERVAL": 0}):
        assert PeriodicReconciliation.from_settings(
            settings, engine, kit.OUTBOX, redis_url, **kwargs) is None
    on = PeriodicReconciliation.from_settings(
        {"RECONCILE_INBOX_URL": inbox_url}, engine, kit.OUTBOX, redis_url, **kwargs)
    assert on is not None and on.interval == 60.0
    assert on.reconciler.types == TYPES
    on.stop()
    engine.dispose()
