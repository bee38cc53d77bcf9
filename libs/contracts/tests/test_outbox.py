"""Outbox and relay against a real database (SQLite and PostgreSQL) and a real broker (Redis,
and RabbitMQ where the test is parametrised over both)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from kombu import Producer
from sqlalchemy.orm import Session, sessionmaker

from linli_contracts import make_event, parse_envelope, topology
from linli_contracts.examples import example_payload
from linli_contracts.outbox import OutboxRelay, record

FAST_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}


def _event(type_: str = "assignment.assigned"):
    return make_event(type_, example_payload(type_))


def _rows(engine: sa.Engine, kit: SimpleNamespace) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(kit.OUTBOX).order_by(kit.OUTBOX.c.created_at)))


def test_event_exists_only_if_the_callers_transaction_commits(
    engine: sa.Engine, sessions: sessionmaker[Session], kit: SimpleNamespace
) -> None:
    kept, dropped = _event(), _event()
    with sessions() as session, session.begin():
        record(session, kit.OUTBOX, kept)
    with pytest.raises(RuntimeError), sessions() as session, session.begin():
        record(session, kit.OUTBOX, dropped)
        raise RuntimeError("the change failed after the outbox insert")
    with engine.begin() as conn:  # a Core connection works the same way
        record(conn, kit.OUTBOX, e3 := _event("plan.solved"))
    rows = _rows(engine, kit)
    assert [r.id for r in rows] == [kept.id, e3.id]
    assert parse_envelope(rows[0].body) == kept
    assert rows[0].published_at is None and rows[0].attempts == 0


def test_relay_publishes_oldest_first_and_marks_sent(
    engine: sa.Engine, broker_url: str, kit: SimpleNamespace
) -> None:
    events = [_event("assignment.assigned"), _event("plan.published"), _event("scheduler.solve")]
    with engine.begin() as conn:
        for event in events:
            record(conn, kit.OUTBOX, event)
    relay = OutboxRelay(engine, kit.OUTBOX, broker_url, batch_size=2)
    try:
        assert relay.relay_once() == 2
        assert relay.relay_once() == 1
        assert relay.relay_once() == 0
    finally:
        relay.close()
    assert all(r.published_at is not None and r.attempts == 1 for r in _rows(engine, kit))
    notifier = [parse_envelope(m.body) for m in kit.drain(broker_url, "notifier.events")]
    assert notifier == events[:2]
    assert [parse_envelope(m.body) for m in kit.drain(broker_url, "scheduler.solve")] == events[2:]


def test_broker_down_keeps_the_event_and_delivers_it_once_after_recovery(
    engine: sa.Engine, fresh_redis, kit: SimpleNamespace
) -> None:
    event = _event()
    with engine.begin() as conn:
        record(conn, kit.OUTBOX, event)
    relay = OutboxRelay(engine, kit.OUTBOX, fresh_redis.url, retry_policy=FAST_RETRY,
                        connection_options={"socket_timeout": 1, "connect_timeout": 1})
    try:
        # Publish once while the broker is up, then lose it: the relay's connection is stale.
        assert relay.relay_once() == 1
        fresh_redis.kill()
        with engine.begin() as conn:
            record(conn, kit.OUTBOX, later := _event("assignment.cancelled"))
        assert relay.relay_once() == 0
        assert relay.relay_once() == 0
        assert relay.consecutive_failures == 2
        assert relay.backoff() > relay.poll_interval
        [_, row] = _rows(engine, kit)
        assert row.id == later.id
        assert row.published_at is None and row.attempts == 2
        assert "Error" in row.last_error
        fresh_redis.start()
        assert relay.relay_once() == 1
        assert relay.relay_once() == 0
        assert relay.consecutive_failures == 0
    finally:
        relay.close()
    delivered = [parse_envelope(m.body) for m in kit.drain(fresh_redis.url, "notifier.events")]
    assert delivered == [event, later]


def test_run_loop_survives_a_broker_outage(
    engine: sa.Engine, fresh_redis, kit: SimpleNamespace
) -> None:
    relay = OutboxRelay(engine, kit.OUTBOX, fresh_redis.url, poll_interval=0.05,
                        max_backoff=0.2, retry_policy=FAST_RETRY,
                        connection_options={"socket_timeout": 1, "connect_timeout": 1})
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    fresh_redis.kill()
    thread.start()
    try:
        with engine.begin() as conn:
            record(conn, kit.OUTBOX, event := _event())
        kit.wait_until(lambda: _rows(engine, kit)[0].attempts >= 1)
        assert thread.is_alive()
        fresh_redis.start()
        kit.wait_until(lambda: _rows(engine, kit)[0].published_at is not None)
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    assert [parse_envelope(m.body) for m in kit.drain(fresh_redis.url, "notifier.events")] == [
        event
    ]


def test_crash_between_publish_and_mark_is_consumed_once(
    engine: sa.Engine, sessions: sessionmaker[Session], broker_url: str, kit: SimpleNamespace
) -> None:
    event = _event()
    with engine.begin() as conn:
        record(conn, kit.OUTBOX, event)

    class CrashingRelay(OutboxRelay):
        """Dies right after the broker accepted the message, before the mark-sent commit."""

        def _relay(self, ids):  # type: ignore[no-untyped-def]
            with self.engine.connect() as conn:
                for row in self._claim(conn, ids):
                    with topology.connection(self.broker_url) as broker:
                        from linli_contracts.outbox import publish_envelope  # noqa: PLC0415

                        publish_envelope(Producer(broker), row.body, type_=row.type,
                                         message_id=row.id)
                    raise SystemExit("killed between publish and mark")
            return 0

    with pytest.raises(SystemExit):
        CrashingRelay(engine, kit.OUTBOX, broker_url).relay_once()
    assert _rows(engine, kit)[0].published_at is None
    relay = OutboxRelay(engine, kit.OUTBOX, broker_url)
    try:
        assert relay.relay_once() == 1  # the restarted relay publishes the same row again
    finally:
        relay.close()
    assert kit.queue_length(broker_url, "notifier.events") == 2

    consumer = kit.RecordingConsumer(topology.connection(broker_url), sessions, kit.INBOX,
                                     retry_delay=0)
    with kit.running(consumer):
        kit.wait_until(lambda: len(consumer.calls) == 1
                       and kit.queue_length(broker_url, "notifier.events") == 0)
    assert kit.effects(engine) == [event.id]


def test_republish_sends_chosen_rows_again(
    engine: sa.Engine, broker_url: str, kit: SimpleNamespace
) -> None:
    event = _event("plan.published")
    with engine.begin() as conn:
        record(conn, kit.OUTBOX, event)
    relay = OutboxRelay(engine, kit.OUTBOX, broker_url)
    try:
        assert relay.relay_once() == 1
        assert relay.republish([event.id]) == 1
    finally:
        relay.close()
    assert [parse_envelope(m.body) for m in kit.drain(broker_url, "notifier.events")] == [
        event, event
    ]
    assert _rows(engine, kit)[0].attempts == 2


def test_paused_broker_makes_the_relay_give_up_and_retry_later(
    engine: sa.Engine, fresh_redis, kit: SimpleNamespace
) -> None:
    """A broker that accepts but never answers is detected by the socket timeout, not a hang."""
    relay = OutboxRelay(engine, kit.OUTBOX, fresh_redis.url, retry_policy=FAST_RETRY,
                        connection_options={"socket_timeout": 0.5, "connect_timeout": 0.5})
    try:
        with engine.begin() as conn:
            record(conn, kit.OUTBOX, first := _event())
        assert relay.relay_once() == 1
        fresh_redis.pause()
        try:
            with engine.begin() as conn:
                record(conn, kit.OUTBOX, second := _event("plan.published"))
            assert relay.relay_once() == 0
            assert _rows(engine, kit)[1].published_at is None
        finally:
            fresh_redis.resume()
        assert relay.relay_once() == 1
    finally:
        relay.close()
    delivered = [parse_envelope(m.body) for m in kit.drain(fresh_redis.url, "notifier.events")]
    assert delivered in ([first, second], [first, second, second])
