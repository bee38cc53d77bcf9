"""The same topology, relay and consumer on a real RabbitMQ (a virtual host of the session's).

RabbitMQ does by itself what the code does by hand on Redis: quorum queues count deliveries and
dead-letter to `<queue>.dead`, and publisher confirms make a publish fail when the broker did
not take the message.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from kombu import Consumer, Producer
from kombu.exceptions import OperationalError
from sqlalchemy.orm import sessionmaker

from linli_contracts import make_event, parse_envelope, topology
from linli_contracts.batch import ack_all, fetch_more
from linli_contracts.envelope import Envelope
from linli_contracts.examples import example_payload
from linli_contracts.outbox import OutboxRelay, publish_envelope, record

QUEUE = "notifier.events"
DEAD = QUEUE + topology.DEAD_SUFFIX
PHONE = "13800138000"
FAST_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}


@pytest.fixture
def engine(tmp_path: Path, kit: SimpleNamespace) -> Iterator[sa.Engine]:
    """The test tables on SQLite only: the broker is what differs here, and the database layer
    runs on PostgreSQL too in the tests parametrised over both brokers."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'amqp.db'}")
    kit.EFFECTS.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: sa.Engine) -> sessionmaker:
    """Session factory bound to the SQLite test database."""
    return sessionmaker(engine)


def _event(type_: str = "assignment.assigned") -> Envelope:
    return make_event(type_, example_payload(type_))


def _publish(url: str, *envelopes: Envelope) -> None:
    with topology.connection(url) as conn:
        producer = Producer(conn)
        for envelope in envelopes:
            publish_envelope(producer, envelope, type_=envelope.type, message_id=envelope.id)


def _vhost(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _arguments(listed: list[list]) -> dict:
    """rabbitmqctl's `[name, type, value]` triples as a dict."""
    return {name: value for name, _type, value in listed}


def _rabbitmqctl(*args: str) -> str:
    done = subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=60,
                          check=True)
    return done.stdout


def test_every_queue_is_a_quorum_queue_with_the_delivery_limit(amqp_url: str) -> None:
    with topology.connection(amqp_url) as conn:
        assert conn.transport_options["confirm_publish"] is True
        assert conn.heartbeat == topology.DEFAULT_HEARTBEAT
        topology.declare_all(conn)
        topology.declare_all(conn)  # the same arguments again: no PRECONDITION_FAILED
    listed = json.loads(_rabbitmqctl("list_queues", "-p", _vhost(amqp_url), "name", "type",
                                     "arguments", "--formatter", "json", "--quiet"))
    queues = {q["name"]: q for q in listed}
    assert set(queues) == {q.name for q in topology.all_queues()}
    for name in topology.queue_names():
        assert queues[name]["type"] == "quorum"
        assert _arguments(queues[name]["arguments"]) == {
            "x-queue-type": "quorum",
            "x-delivery-limit": topology.MAX_DELIVERIES - 1,
            "x-dead-letter-exchange": topology.DEAD_LETTER_EXCHANGE,
            "x-dead-letter-routing-key": name + topology.DEAD_SUFFIX,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }
        dead = queues[name + topology.DEAD_SUFFIX]
        assert dead["type"] == "quorum"
        assert _arguments(dead["arguments"]) == {"x-queue-type": "quorum"}


def test_the_same_queue_objects_take_no_arguments_on_redis(redis_url: str) -> None:
    with topology.connection(redis_url) as conn, conn.channel() as channel:
        queue = topology.queue_for(QUEUE)(channel)
        queue.queue_declare()
        assert queue.queue_arguments is None
        assert "confirm_publish" not in conn.transport_options
    assert topology.queue_arguments(QUEUE, "redis") == {}


def test_relay_publishes_with_confirms_and_each_event_arrives_once(
    engine: sa.Engine, amqp_url: str, kit: SimpleNamespace
) -> None:
    events = [_event(), _event("plan.published"), _event("assignment.cancelled")]
    with engine.begin() as conn:
        for event in events:
            record(conn, kit.OUTBOX, event)
    vhost = _vhost(amqp_url)
    relay = OutboxRelay(engine, kit.OUTBOX, amqp_url, retry_policy=FAST_RETRY)
    try:
        # A full queue refuses publishes (reject-publish; a quorum queue may take one message
        # over its limit): the broker's nack fails the publish, and the row stays unsent
        # instead of being marked sent and lost. The policy is set before the queue exists.
        _rabbitmqctl("set_policy", "-p", vhost, "--apply-to", "queues", "full",
                     f"^{QUEUE}$", '{"max-length": 0}')
        try:
            with topology.connection(amqp_url) as conn:
                topology.declare_all(conn)
            accepted = relay.relay_once()
        finally:
            _rabbitmqctl("clear_policy", "-p", vhost, "full")
        assert accepted < len(events)
        with engine.connect() as conn:
            refused = conn.execute(
                sa.select(kit.OUTBOX).where(kit.OUTBOX.c.id == events[accepted].id)).one()
        assert refused.published_at is None and refused.attempts == 1 and refused.last_error
        assert kit.queue_length(amqp_url, QUEUE) == accepted
        kit.wait_until(lambda: relay.relay_once() == len(events) - accepted, timeout=20)
        assert relay.relay_once() == 0
    finally:
        relay.close()
    delivered = [parse_envelope(m.body) for m in kit.drain(amqp_url, QUEUE)]
    assert delivered == events


@pytest.mark.parametrize(
    ("max_attempts", "deliveries", "reason"),
    [(3, 3, "rejected"), (99, topology.MAX_DELIVERIES, "delivery_limit")],
    ids=["consumer-decides", "broker-limit"],
)
def test_always_failing_message_is_dead_lettered_after_n_deliveries(
    amqp_url: str, sessions: sessionmaker, engine: sa.Engine, kit: SimpleNamespace,
    max_attempts: int, deliveries: int, reason: str,
) -> None:
    consumer = kit.RecordingConsumer(topology.connection(amqp_url), sessions, kit.INBOX,
                                     max_attempts=max_attempts, retry_delay=0)
    bad, good = _event(), _event("plan.published")
    consumer.always_fail.add(bad.id)
    _publish(amqp_url, bad, good)
    with kit.running(consumer):
        kit.wait_until(lambda: kit.effects(engine) == [good.id])
        kit.wait_until(lambda: kit.queue_length(amqp_url, DEAD) == 1)
    assert consumer.calls.count(bad.id) == deliveries
    [dead] = kit.drain(amqp_url, DEAD)
    assert parse_envelope(dead.body) == bad  # the body is kept as it was
    assert dead.properties["message_id"] == bad.id
    [death] = dead.headers["x-death"]
    assert (death["queue"], death["reason"]) == (QUEUE, reason)
    assert kit.queue_length(amqp_url, QUEUE) == 0


def test_poison_message_is_dead_lettered_and_its_body_never_logged(
    amqp_url: str, sessions: sessionmaker, engine: sa.Engine, kit: SimpleNamespace,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    consumer = kit.RecordingConsumer(topology.connection(amqp_url), sessions, kit.INBOX)
    good = _event()
    body = f'{{"phone": "{PHONE}", "truncated'.encode()
    with topology.connection(amqp_url) as conn:
        Producer(conn).publish(
            body, exchange=topology.events_exchange(), routing_key="plan.published",
            content_type="application/json", content_encoding="binary", message_id="raw-1",
            headers={"type": "plan.published"}, declare=topology.all_queues())
    _publish(amqp_url, good)
    with kit.running(consumer):
        kit.wait_until(lambda: kit.effects(engine) == [good.id])
        kit.wait_until(lambda: kit.queue_length(amqp_url, DEAD) == 1)
    [dead] = kit.drain(amqp_url, DEAD)
    assert dead.body == body
    assert dead.headers["x-death"][0]["reason"] == "rejected"
    assert "raw-1" in caplog.text and "sha256=" in caplog.text
    assert PHONE not in caplog.text


CHILD = """
import os, signal, sys
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker
from linli_contracts import topology
from linli_contracts.consumer import EventConsumer
from linli_contracts.inbox import inbox_table

database_url, broker_url, moment = sys.argv[1:4]
metadata = sa.MetaData()
inbox = inbox_table(metadata)
effects = sa.Table("effects", metadata,
                   sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
                   sa.Column("message_id", sa.String(36), nullable=False),
                   sa.Column("type", sa.String(100), nullable=False))
engine = sa.create_engine(database_url)


class Dying(EventConsumer):
    name = "recorder"
    queues = ("notifier.events",)

    def handle(self, envelope, session):
        session.execute(effects.insert().values(message_id=envelope.id, type=envelope.type))
        if moment == "before-commit":
            os.kill(os.getpid(), signal.SIGKILL)

    def _process(self, envelope):
        duplicate = super()._process(envelope)
        os.kill(os.getpid(), signal.SIGKILL)  # committed, never acked
        return duplicate


Dying(topology.connection(broker_url), sessionmaker(engine), inbox).run()
"""


@pytest.mark.parametrize("moment", ["before-commit", "after-commit"])
def test_consumer_killed_before_ack_gets_the_message_again_and_the_effect_stays_single(
    amqp_url: str, tmp_path: Path, kit: SimpleNamespace, moment: str
) -> None:
    database_url = f"sqlite:///{tmp_path / 'kill.db'}"
    engine = sa.create_engine(database_url)
    kit.EFFECTS.metadata.create_all(engine)
    event = _event()
    _publish(amqp_url, event)
    child = subprocess.run([sys.executable, "-c", CHILD, database_url, amqp_url, moment],
                           timeout=60, capture_output=True, env=dict(os.environ), check=False)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode(errors="replace")
    assert kit.effects(engine) == ([] if moment == "before-commit" else [event.id])
    # The broker gave the message back the moment the connection died, counting it.
    kit.wait_until(lambda: kit.queue_length(amqp_url, QUEUE) == 1)

    survivor = kit.RecordingConsumer(topology.connection(amqp_url), sessionmaker(engine),
                                     kit.INBOX)
    with kit.running(survivor):
        kit.wait_until(lambda: kit.queue_length(amqp_url, QUEUE) == 0 and (
            survivor.calls or moment == "after-commit") and kit.effects(engine) == [event.id])
    assert kit.effects(engine) == [event.id]
    # After the commit the inbox knows the id, so the handler does not even run again.
    assert survivor.calls == ([event.id] if moment == "before-commit" else [])
    engine.dispose()


def test_batch_fetch_takes_nothing_on_amqp_and_acks_one_by_one(amqp_url: str) -> None:
    _publish(amqp_url, *(_event() for _ in range(3)))
    taken: list = []
    with topology.connection(amqp_url) as conn:
        consumer = Consumer(conn.default_channel, queues=[topology.queue_for(QUEUE)],
                            on_message=taken.append, prefetch_count=10, accept=["json"])
        with consumer:
            while len(taken) < 3:
                conn.drain_events(timeout=5)
            assert fetch_more(taken[0].channel, QUEUE, 10, taken[0].accept) == []
            ack_all(taken)
            assert all(m.acknowledged for m in taken)
    assert len({parse_envelope(m.body).id for m in taken}) == 3


def test_unreachable_rabbitmq_fails_fast() -> None:
    from linli_testing.servers import free_port  # noqa: PLC0415

    conn = topology.connection(f"amqp://guest:guest@127.0.0.1:{free_port()}//",
                               connect_timeout=0.5)
    with conn, pytest.raises(OperationalError):
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)


def test_black_holed_rabbitmq_leaves_the_row_unsent_instead_of_hanging(
    engine: sa.Engine, kit: SimpleNamespace
) -> None:
    """A listener that accepts and never speaks AMQP: the relay gives up and keeps the row."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    url = f"amqp://guest:guest@127.0.0.1:{server.getsockname()[1]}//"
    with engine.begin() as conn:
        record(conn, kit.OUTBOX, event := _event())
    relay = OutboxRelay(engine, kit.OUTBOX, url, retry_policy=FAST_RETRY,
                        connection_options={"socket_timeout": 0.5, "connect_timeout": 0.5})
    outcome: list[int] = []
    thread = threading.Thread(target=lambda: outcome.append(relay.relay_once()), daemon=True)
    try:
        thread.start()
        thread.join(60)
        assert not thread.is_alive()
    finally:
        relay.close()
        server.close()
    assert outcome == [0]
    with engine.connect() as conn:
        row = conn.execute(sa.select(kit.OUTBOX).where(kit.OUTBOX.c.id == event.id)).one()
    assert row.published_at is None and row.attempts == 1 and row.last_error
