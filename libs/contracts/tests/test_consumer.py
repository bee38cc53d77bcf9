"""EventConsumer against a real broker (Redis; RabbitMQ too where a test takes `broker_url`) and a
real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
import os
import signal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from kombu import Producer
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from linli_contracts import make_event, parse_envelope, topology
from linli_contracts.consumer import ATTEMPTS_HEADER, ERROR_HEADER, QUEUE_HEADER
from linli_contracts.envelope import Envelope
from linli_contracts.examples import example_payload
from linli_contracts.outbox import publish_envelope

PHONE = "13800138000"


def _publish(url: str, *envelopes: Envelope) -> None:
    with topology.connection(url) as conn:
        producer = Producer(conn)
        for envelope in envelopes:
            publish_envelope(producer, envelope, type_=envelope.type, message_id=envelope.id)


def _publish_raw(url: str, body: bytes, content_type: str = "application/json") -> None:
    with topology.connection(url) as conn:
        Producer(conn).publish(
            body, exchange=topology.events_exchange(), routing_key="plan.published",
            content_type=content_type, content_encoding="binary", message_id="raw-1",
            headers={"type": "plan.published"}, declare=topology.all_queues(),
        )


def _event(type_: str = "assignment.assigned") -> Envelope:
    return make_event(type_, example_payload(type_))


@pytest.fixture
def consumer(request: pytest.FixtureRequest, sessions: sessionmaker[Session],
             kit: SimpleNamespace):
    """A recording consumer of `notifier.events` that retries at once, 3 attempts at most, on
    the test's `broker_url` (Redis and RabbitMQ), else on Redis."""
    url = request.getfixturevalue(
        "broker_url" if "broker_url" in request.fixturenames else "redis_url")
    return kit.RecordingConsumer(
        topology.connection(url), sessions, kit.INBOX, max_attempts=3, retry_delay=0
    )


def test_processes_once_and_acks(consumer, broker_url, engine, kit) -> None:
    first, second = _event(), _event("plan.published")
    _publish(broker_url, first, second)
    with kit.running(consumer):
        kit.wait_until(lambda: len(kit.effects(engine)) == 2)
    assert kit.effects(engine) == [first.id, second.id]
    assert kit.queue_length(broker_url, "notifier.events") == 0
    assert kit.drain(broker_url, "notifier.events.dead") == []


def test_duplicate_message_id_is_processed_once(consumer, broker_url, engine, kit) -> None:
    event, marker = _event(), _event("plan.published")
    _publish(broker_url, event, event, marker)
    with kit.running(consumer):
        kit.wait_until(lambda: marker.id in kit.effects(engine))
    assert kit.effects(engine) == [event.id, marker.id]
    assert consumer.calls == [event.id, marker.id]
    assert kit.queue_length(broker_url, "notifier.events") == 0
    with engine.connect() as conn:
        rows = conn.execute(sa.select(kit.INBOX.c.consumer, kit.INBOX.c.message_id)).all()
    assert sorted(rows) == sorted([("recorder", event.id), ("recorder", marker.id)])


def test_transient_failure_is_requeued_then_succeeds(consumer, broker_url, engine, kit) -> None:
    event = _event()
    consumer.transient_failures[event.id] = 2
    _publish(broker_url, event)
    with kit.running(consumer):
        kit.wait_until(lambda: kit.effects(engine) == [event.id])
    assert consumer.calls == [event.id] * 3
    assert kit.drain(broker_url, "notifier.events.dead") == []


def test_always_failing_message_is_dead_lettered_and_the_next_is_processed(
    consumer, redis_url, engine, kit, caplog
) -> None:
    bad, good = _event(), _event("assignment.cancelled")
    consumer.always_fail.add(bad.id)
    _publish(redis_url, bad, good)
    with kit.running(consumer):
        kit.wait_until(lambda: kit.queue_length(redis_url, "notifier.events.dead") == 1)
        kit.wait_until(lambda: kit.effects(engine) == [good.id])
    assert consumer.calls.count(bad.id) == 3
    [dead] = kit.drain(redis_url, "notifier.events.dead")
    assert parse_envelope(dead.body) == bad  # the body is kept as it was
    assert dead.headers[ATTEMPTS_HEADER] == 3
    assert dead.headers[ERROR_HEADER] == "RuntimeError: sink answered 500"
    assert dead.headers[QUEUE_HEADER] == "notifier.events"
    assert dead.properties["message_id"] == bad.id
    assert kit.queue_length(redis_url, "notifier.events") == 0


def test_permanent_error_is_dead_lettered_at_once(consumer, broker_url, engine, kit) -> None:
    event = _event()
    consumer.permanent.add(event.id)
    _publish(broker_url, event)
    with kit.running(consumer):
        kit.wait_until(lambda: kit.queue_length(broker_url, "notifier.events.dead") == 1)
    assert consumer.calls == [event.id]
    assert kit.effects(engine) == []
    with engine.connect() as conn:  # the failed attempt left no inbox row
        assert conn.execute(sa.select(kit.INBOX)).all() == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (f'{{"phone": "{PHONE}", "truncated'.encode(), "application/json"),
        (b"\x80\x04\x95" + PHONE.encode(), "application/x-python-serialize"),
        (f'{{"id": "x", "type": "plan.published", "phone": "{PHONE}"}}'.encode(),
         "application/json"),
    ],
    ids=["broken-json", "pickle", "invalid-envelope"],
)
def test_poison_message_is_dead_lettered_and_its_body_never_logged(
    consumer, redis_url, engine, kit, caplog, body, content_type
) -> None:
    caplog.set_level(logging.DEBUG)
    good = _event()
    _publish_raw(redis_url, body, content_type)
    _publish(redis_url, good)
    with kit.running(consumer):
        kit.wait_until(lambda: kit.effects(engine) == [good.id])
        kit.wait_until(lambda: kit.queue_length(redis_url, "notifier.events.dead") == 1)
    assert consumer.calls == [good.id]
    [dead] = kit.drain(redis_url, "notifier.events.dead")
    assert dead.body == body
    assert dead.headers[ATTEMPTS_HEADER] == 0
    assert "raw-1" in caplog.text  # the id is logged ...
    assert PHONE not in caplog.text  # ... the body is not
    assert "sha256=" in caplog.text


def test_message_is_acked_only_after_the_commit(
    consumer, broker_url, engine, sessions, kit
) -> None:
    event = _event()
    failures = {"left": 1}

    def fail_first_commit(envelope: Envelope, session: Session) -> None:
        @sa.event.listens_for(session, "before_commit", once=True)
        def _boom(_session: Session) -> None:
            if failures["left"]:
                failures["left"] -= 1
                raise OperationalError("COMMIT", {}, Exception("database went away"))

    consumer.before_effect = fail_first_commit
    _publish(broker_url, event)
    with kit.running(consumer):
        kit.wait_until(lambda: kit.effects(engine) == [event.id])
    assert consumer.calls == [event.id, event.id]
    assert kit.queue_length(broker_url, "notifier.events") == 0


class Crash(BaseException):
    """Stands for the process dying: nothing in the consumer may catch it."""


def test_crash_at_commit_leaves_the_message_unacked(
    broker_url, engine, sessions, kit
) -> None:
    event = _event()
    _publish(broker_url, event)
    crashing = kit.RecordingConsumer(topology.connection(broker_url), sessions, kit.INBOX)

    def crash_at_commit(envelope: Envelope, session: Session) -> None:
        @sa.event.listens_for(session, "before_commit", once=True)
        def _die(_session: Session) -> None:
            raise Crash

    crashing.before_effect = crash_at_commit
    with pytest.raises(Crash):
        crashing.run()
    assert kit.effects(engine) == []
    # Not acked: the broker gives the message back (here at channel close; after a SIGKILL,
    # RabbitMQ at once, Redis after the visibility timeout).
    kit.wait_until(lambda: kit.queue_length(broker_url, "notifier.events") == 1)

    survivor = kit.RecordingConsumer(topology.connection(broker_url), sessions, kit.INBOX)
    with kit.running(survivor):
        kit.wait_until(lambda: kit.effects(engine) == [event.id])
    assert kit.queue_length(broker_url, "notifier.events") == 0


def test_sigterm_finishes_and_acks_the_current_message_then_stops(
    consumer, broker_url, engine, kit
) -> None:
    event, waiting = _event(), _event("plan.published")
    _publish(broker_url, event, waiting)
    consumer.before_effect = lambda envelope, session: os.kill(os.getpid(), signal.SIGTERM)
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        consumer.install_signal_handlers()
        consumer.run()  # returns once the signal is seen
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    assert kit.effects(engine) == [event.id]
    # The other message was never taken, or was given back when the channel closed.
    kit.wait_until(lambda: kit.queue_length(broker_url, "notifier.events") == 1)
    [left] = kit.drain(broker_url, "notifier.events")
    assert parse_envelope(left.body) == waiting


def test_handler_error_outside_the_rules_never_ends_the_loop(
    consumer, broker_url, engine, kit
) -> None:
    event = _event()
    original = consumer._on_message
    calls = {"n": 0}

    def flaky(queue, message):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("bug in the plumbing")
        original(queue, message)

    consumer._on_message = flaky
    _publish(broker_url, event)
    with kit.running(consumer):
        kit.wait_until(lambda: kit.effects(engine) == [event.id], timeout=60)


def test_concurrent_duplicate_is_recognised_by_the_inbox_key(
    consumer, engine, kit, monkeypatch
) -> None:
    """Another delivery committed the id after this one checked: the insert collides."""
    from linli_contracts import consumer as consumer_module  # noqa: PLC0415
    from linli_contracts.inbox import mark_processed  # noqa: PLC0415

    event = _event()
    with engine.begin() as conn:
        mark_processed(conn, kit.INBOX, consumer.name, event)
    real = consumer_module.already_processed
    checks: list[bool] = []

    def late_check(*args):  # type: ignore[no-untyped-def]
        checks.append(bool(checks) and real(*args))
        return checks[-1]

    monkeypatch.setattr(consumer_module, "already_processed", late_check)
    assert consumer._process(event) is True
    assert checks == [False, True]  # missed on the first check, found after the collision
    assert consumer.calls == []


def test_handler_constraint_error_is_not_mistaken_for_a_duplicate(consumer, engine, kit) -> None:
    event = _event()

    def violate(envelope: Envelope, session: Session) -> None:
        session.execute(kit.EFFECTS.insert().values(n=1, message_id="a", type="t"))
        session.execute(kit.EFFECTS.insert().values(n=1, message_id="b", type="t"))

    consumer.before_effect = violate
    with pytest.raises(sa.exc.IntegrityError):
        consumer._process(event)
    with engine.connect() as conn:
        assert conn.execute(sa.select(kit.INBOX)).all() == []


def test_database_errors_are_logged_without_row_values(
    consumer, redis_url, engine, kit, caplog
) -> None:
    event = _event()

    def leak(envelope: Envelope, session: Session) -> None:
        session.execute(kit.EFFECTS.insert().values(n=7, message_id=PHONE, type="t"))
        session.execute(kit.EFFECTS.insert().values(n=7, message_id=PHONE, type="t"))

    consumer.before_effect = leak
    consumer.max_attempts = 1
    _publish(redis_url, event)
    with kit.running(consumer):
        kit.wait_until(lambda: kit.queue_length(redis_url, "notifier.events.dead") == 1)
    [dead] = kit.drain(redis_url, "notifier.events.dead")
    assert dead.headers[ERROR_HEADER].startswith("IntegrityError: ")
    assert PHONE not in dead.headers[ERROR_HEADER]
    assert PHONE not in caplog.text


def test_consumer_reconnects_after_the_broker_restarts(
    fresh_redis, sessions, engine, kit
) -> None:
    consumer = kit.RecordingConsumer(
        topology.connection(fresh_redis.url, socket_timeout=1, connect_timeout=1),
        sessions, kit.INBOX, retry_delay=0,
    )
    before, after = _event(), _event("plan.published")
    _publish(fresh_redis.url, before)
    with kit.running(consumer):
        kit.wait_until(lambda: kit.effects(engine) == [before.id])
        fresh_redis.kill()
        fresh_redis.start()
        _publish(fresh_redis.url, after)
        kit.wait_until(lambda: kit.effects(engine) == [before.id, after.id], timeout=60)
