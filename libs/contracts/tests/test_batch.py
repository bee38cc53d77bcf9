"""Batch fetch and ack against a real Redis: kombu's unacked bookkeeping stays intact."""

from __future__ import annotations

from typing import Any

import redis
from kombu import Consumer, Producer

from linli_contracts import make_event, parse_envelope, topology
from linli_contracts.batch import ack_all, fetch_more
from linli_contracts.examples import example_payload
from linli_contracts.outbox import publish_envelope

QUEUE = "notifier.events"


def _publish(url: str, count: int) -> list[str]:
    ids = []
    with topology.connection(url) as conn:
        topology.declare_all(conn)
        producer = Producer(conn)
        for _ in range(count):
            envelope = make_event("assignment.assigned", example_payload("assignment.assigned"))
            publish_envelope(producer, envelope, type_=envelope.type, message_id=envelope.id)
            ids.append(envelope.id)
    return ids


def _take(conn: Any, limit: int) -> list[Any]:
    """The first message through kombu's BRPOP, then the rest of a batch at once."""
    taken: list[Any] = []

    def first(message: Any) -> None:
        taken.append(message)
        taken.extend(fetch_more(message.channel, QUEUE, limit - 1, message.accept))

    consumer = Consumer(conn.default_channel, queues=[topology.queue_for(QUEUE)],
                        on_message=first, prefetch_count=limit, accept=["json"])
    with consumer:
        conn.drain_events(timeout=5)
    return taken


def test_a_batch_is_taken_in_order_recorded_as_unacked_and_acked_at_once(redis_url: str) -> None:
    ids = _publish(redis_url, 7)
    client = redis.Redis.from_url(redis_url)
    with topology.connection(redis_url) as conn:
        batch = _take(conn, 5)
        assert [parse_envelope(m.body).id for m in batch] == ids[:5]
        assert client.llen(QUEUE) == 2
        # Every message of the batch is where kombu restores unacked messages from.
        assert client.hlen("unacked") == 5
        assert client.zcard("unacked_index") == 5
        ack_all(batch)
        assert all(m.acknowledged for m in batch)
        assert client.hlen("unacked") == 0
        assert client.zcard("unacked_index") == 0
        qos = conn.default_channel.qos
        # kombu forgets acked messages lazily: acked means marked for forgetting.
        assert set(qos._delivered) <= qos._dirty
    assert client.llen(QUEUE) == 2
    client.close()


def test_unacked_batch_returns_to_the_queue_when_the_consumer_goes_away(redis_url: str) -> None:
    ids = _publish(redis_url, 4)
    client = redis.Redis.from_url(redis_url)
    conn = topology.connection(redis_url)
    batch = _take(conn, 3)
    assert len(batch) == 3 and client.llen(QUEUE) == 1
    batch[0].ack()  # one acked the ordinary way, the rest never
    conn.release()
    assert client.llen(QUEUE) == 3
    assert client.hlen("unacked") == 0
    with topology.connection(redis_url) as again:
        restored = _take(again, 3)
        assert sorted(parse_envelope(m.body).id for m in restored) == sorted(ids[1:])
        ack_all(restored)
    client.close()


def test_records_left_by_a_dead_consumer_are_restored_after_the_visibility_timeout(
    redis_url: str,
) -> None:
    ids = _publish(redis_url, 3)
    client = redis.Redis.from_url(redis_url)
    conn = topology.connection(redis_url)
    batch = _take(conn, 3)
    assert len(batch) == 3
    # A consumer killed outright restores nothing itself; its records stay behind.
    conn.default_channel.qos._delivered.clear()
    conn.release()
    assert client.llen(QUEUE) == 0 and client.hlen("unacked") == 3
    with topology.connection(redis_url, visibility_timeout=0) as other:
        other.default_channel.qos.restore_visible(num=10)
    assert client.llen(QUEUE) == 3
    with topology.connection(redis_url) as again:
        assert sorted(parse_envelope(m.body).id for m in _take(again, 3)) == sorted(ids)
    client.close()


def test_nothing_waiting_takes_nothing(redis_url: str) -> None:
    _publish(redis_url, 1)
    with topology.connection(redis_url) as conn:
        batch = _take(conn, 10)
        assert len(batch) == 1
        assert fetch_more(conn.default_channel, QUEUE, 10) == []
        assert fetch_more(conn.default_channel, QUEUE, 0) == []
        ack_all(batch)
        ack_all(batch)  # acked messages are left alone


def test_a_body_that_is_not_a_kombu_message_is_left_at_the_head_of_the_queue(
    redis_url: str,
) -> None:
    ids = _publish(redis_url, 3)
    client = redis.Redis.from_url(redis_url)
    # Garbage between the second and the third message (the list is consumed from the right).
    third = client.lpop(QUEUE)
    client.lpush(QUEUE, b"\x80 not json", third)
    with topology.connection(redis_url) as conn:
        batch = _take(conn, 5)
        assert [parse_envelope(m.body).id for m in batch] == ids[:2]
        assert client.lrange(QUEUE, -1, -1) == [b"\x80 not json"]
        assert client.llen(QUEUE) == 2 and client.hlen("unacked") == 2
        ack_all(batch)
    client.close()
