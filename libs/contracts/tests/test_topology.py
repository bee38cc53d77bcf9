"""Topology on a real broker (Redis, and RabbitMQ where parametrised): messages routed by type
into durable queues, timeouts bounded."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from kombu import Producer
from kombu.exceptions import OperationalError

from linli_contracts import make_event, parse_envelope, topology
from linli_contracts.examples import example_payload
from linli_contracts.outbox import publish_envelope


def _publish(url: str, type_: str) -> str:
    envelope = make_event(type_, example_payload(type_))
    with topology.connection(url) as conn:
        publish_envelope(Producer(conn), envelope, type_=type_, message_id=envelope.id)
    return envelope.id


def test_declare_all_is_idempotent_and_creates_every_binding(
    broker_url: str, kit: SimpleNamespace
) -> None:
    with topology.connection(broker_url) as conn:
        topology.declare_all(conn)
        topology.declare_all(conn)
    ids = {type_: _publish(broker_url, type_) for type_ in (
        "assignment.response", "registry.volunteer.changed", "plan.published",
        "assignment.assigned", "assignment.changed", "assignment.cancelled", "scheduler.solve",
    )}
    scheduler = [parse_envelope(m.body).id for m in kit.drain(broker_url, "scheduler.events")]
    notifier = [parse_envelope(m.body).id for m in kit.drain(broker_url, "notifier.events")]
    solve = [parse_envelope(m.body).id for m in kit.drain(broker_url, "scheduler.solve")]
    assert scheduler == [ids["assignment.response"], ids["registry.volunteer.changed"]]
    assert notifier == [ids[t] for t in (
        "registry.volunteer.changed", "plan.published", "assignment.assigned",
        "assignment.changed", "assignment.cancelled",
    )]
    assert solve == [ids["scheduler.solve"]]


def test_topic_exchange_on_redis_keeps_messages_for_absent_consumers(
    redis_url: str, kit: SimpleNamespace
) -> None:
    """Unlike fan-out (pub/sub), a topic exchange routes into Redis lists, which persist."""
    message_id = _publish(redis_url, "assignment.assigned")
    # Nobody consumes yet: the message waits in the list, even across a new connection.
    assert kit.queue_length(redis_url, "notifier.events") == 1
    with topology.connection(redis_url) as conn:
        assert conn.transport_options["visibility_timeout"] == topology.DEFAULT_VISIBILITY_TIMEOUT
    [message] = kit.drain(redis_url, "notifier.events")
    assert parse_envelope(message.body).id == message_id
    assert message.properties["message_id"] == message_id
    assert message.headers["message_id"] == message_id
    assert message.content_type == "application/json"


def test_unrouted_types_are_not_an_error(broker_url: str) -> None:
    """Facts nobody subscribes to yet (e.g. registry.grid.changed) are published quietly."""
    _publish(broker_url, "registry.grid.changed")


def test_unknown_queue_is_refused() -> None:
    with pytest.raises(KeyError):
        topology.queue_for("nobody.listens")


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A TCP listener that accepts connections and never answers (a black-holed broker)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join(5)
    for sock in accepted:
        sock.close()
    server.close()


def test_black_holed_broker_raises_instead_of_hanging(black_hole: str) -> None:
    conn = topology.connection(black_hole, socket_timeout=0.5, connect_timeout=0.5)
    with conn, pytest.raises(OperationalError, match="Timeout"):
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
        with conn.channel() as channel:
            channel.client.ping()
