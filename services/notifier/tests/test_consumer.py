"""The batching consumer against real Redis and RabbitMQ: a failing message is dead-lettered on
its own."""

from __future__ import annotations

import threading
from typing import Any

import redis
import sqlalchemy as sa
from kombu import Producer
from notifier_factories import assigned, published

from linli_contracts import topology
from linli_contracts.envelope import make_event
from linli_contracts.outbox import publish_envelope
from notifier.consumer import BatchingConsumer
from notifier.models import Notification, consumer_inbox


def _queued(broker_url: str, name: str) -> int:
    queue = (topology.dead_letter_queue_for(name.removesuffix(topology.DEAD_SUFFIX))
             if name.endswith(topology.DEAD_SUFFIX) else topology.queue_for(name))
    with topology.connection(broker_url) as conn, conn.channel() as channel:
        return int(queue(channel).queue_declare().message_count)


def test_a_failing_message_in_a_batch_is_dead_lettered_and_the_rest_commit(
    broker_url: str, sessions: Any, settings: dict[str, Any]
) -> None:
    settings.update(CONSUMER_RETRY_DELAY=0.01, CONSUMER_MAX_ATTEMPTS=2)
    wrong = make_event("assignment.response", {
        "assignment_id": 1, "volunteer_id": 1, "response": "confirmed",
        "responded_at": "2026-11-20T02:00:00Z", "channel": "web"})
    good = [assigned(i, i) for i in range(1, 6)]
    with topology.connection(broker_url) as conn:
        topology.declare_all(conn)
        producer = Producer(conn)
        for envelope in good[:3]:
            publish_envelope(producer, envelope, type_=envelope.type, message_id=envelope.id)
        # A valid message of a type the notifier does not handle, misrouted to its queue.
        producer.publish(wrong.to_json(), exchange=topology.events_exchange(),
                         routing_key="assignment.assigned", content_type="application/json",
                         content_encoding="utf-8")
        for envelope in [*good[3:], published(1, 1, 5)]:
            publish_envelope(producer, envelope, type_=envelope.type, message_id=envelope.id)
        # The same event twice: the inbox lets it through once.
        publish_envelope(producer, good[0], type_=good[0].type, message_id=good[0].id)

    connection = topology.connection(broker_url)
    consumer = BatchingConsumer(connection, sessions, settings, batch_size=50)
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    try:
        deadline = threading.Event()
        for _ in range(500):
            with sessions() as session:
                done = session.scalar(sa.select(sa.func.count()).select_from(consumer_inbox))
            if done == 6 and _queued(broker_url, "notifier.events.dead") == 1:
                break
            deadline.wait(0.02)
    finally:
        consumer.stop()
        thread.join(10)
        connection.release()
    assert _queued(broker_url, "notifier.events.dead") == 1
    # Every message taken, in batches or alone, was acked: none comes back after the
    # connection closed (RabbitMQ), no unacked record is left (Redis).
    assert _queued(broker_url, "notifier.events") == 0
    if topology.transport_of(broker_url) == "redis":
        client = redis.Redis.from_url(broker_url)
        assert client.hlen("unacked") == 0
        client.close()
    with sessions() as session:
        volunteers = session.scalars(sa.select(Notification.volunteer_id)
                                     .order_by(Notification.volunteer_id)).all()
    assert volunteers == [1, 2, 3, 4, 5]
