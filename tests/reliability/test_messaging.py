"""Messaging rows of the fault catalogue (docs/reliability.md), on real Redis and processes.

Each test publishes one plan's assignments from a producer's outbox, runs the notifier's own
processes against real Redis, injects one fault, and lets the checker classify every expected
alert (one digest per volunteer, POSTed to a webhook sink) as delivered, lost, duplicated or
unexpected.

Holding the notifier database's write lock from the test is how a handler is made to block
"before the side effect": the consumer has popped its messages and waits at BEGIN IMMEDIATE
(SQLite's busy timeout is 30 s), so the test can kill, stop or terminate it at that moment.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
import sqlalchemy as sa
from kombu import Producer, Queue, binding
from reliability.checker import classify
from reliability.notifier_rig import (
    QUICK_RETRY,
    NotifierRig,
    RedisProbe,
    declare,
    wait_for,
)
from reliability.proxy import BLACK_HOLE, FORWARD, TcpProxy
from reliability.stack import FULL_PHONE, Stack

from linli_contracts import topology
from linli_contracts.reconcile import Reconciler, unconsumed
from linli_testing.servers import RedisServer
from notifier.models import consumer_inbox

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


@pytest.fixture
def broker(fresh_redis: RedisServer) -> RedisServer:
    """A Redis of the test's own (AOF, fsync always), which the test may kill or pause."""
    return fresh_redis


@pytest.fixture
def rig(tmp_path: Path, broker: RedisServer, sink) -> Iterator[NotifierRig]:
    """Twenty webhook volunteers, their plan in the producer's outbox, the topology declared."""
    declare(broker.url)
    notifier = NotifierRig(tmp_path, broker.url, sink.url, volunteers=20)
    notifier.record_publication()
    yield notifier
    notifier.close()


@pytest.fixture
def probe(broker: RedisServer) -> Iterator[RedisProbe]:
    """Queue lengths and unacked records, read from Redis."""
    reader = RedisProbe(broker.url)
    yield reader
    reader.close()


@contextmanager
def write_lock(rig: NotifierRig) -> Iterator[sqlite3.Connection]:
    """Hold the notifier database's write lock until the block ends (or `release` is called)."""
    conn = sqlite3.connect(str(rig.workdir / "notifier.db"), isolation_level=None, timeout=30)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


def release(conn: sqlite3.Connection) -> None:
    """Let the blocked writers through."""
    conn.execute("ROLLBACK")


def until(procs, condition, timeout: float, what: str, state=None) -> object:
    """`wait_for`, with every process log (and `state()`) attached when it times out."""
    try:
        return wait_for(condition, timeout, what)
    except AssertionError as exc:
        extra = f"\nstate: {state()}" if state else ""
        raise AssertionError(f"{exc}{extra}\n{procs.logs()}") from None


def assert_clean(rig: NotifierRig, sink, procs) -> None:
    """Every volunteer alerted exactly once, by the checker's count."""
    report = rig.report(sink)
    print("\nchecker:", report.summary())
    assert report.ok, (report.summary(), procs.logs())
    assert len(report.delivered) == rig.volunteers
    # Every volunteer has a phone number on file; none may reach a log in full.
    assert not FULL_PHONE.search(procs.full_logs()), "a full phone number was logged"


# -- consumer faults ---------------------------------------------------------------------------


def test_consumer_sigkill_before_the_side_effect_is_redelivered_once(
    rig: NotifierRig, probe: RedisProbe, sink, procs
) -> None:
    rig.relay_all()
    with write_lock(rig) as lock:
        procs.spawn("victim", rig.command("consume"), rig.env())
        until(procs, lambda: probe.unacked() == rig.volunteers + 1 and probe.queued() == 0, 30,
                 "the consumer to take every message")
        procs.signal("victim", signal.SIGKILL)
        assert procs.started["victim"].wait(10) == -signal.SIGKILL
        release(lock)
    assert rig.inbox_ids() == set() and probe.unacked() == rig.volunteers + 1
    # The worst moment to die is inside a restore pass, holding kombu's restore lock: take it
    # as kombu's `Mutex` does, with the expiry our connections configure, and never give it
    # back.
    with topology.connection(rig.broker_url) as conn:
        channel = conn.default_channel
        with channel.conn_or_acquire() as client:
            lock = client.lock(channel.unacked_mutex_key, timeout=channel.unacked_mutex_expire)
            # Under load the victim itself may have died inside its own restore pass, still
            # holding the lock: the same worst case, left by kombu with the same expiry.
            assert lock.acquire(blocking=False) or client.exists(channel.unacked_mutex_key)
            assert 0 < client.ttl(channel.unacked_mutex_key) <= topology.RESTORE_LOCK_EXPIRE
    # The next consumer restores the dead one's messages once their visibility timeout passes.
    procs.spawn("worker", rig.command("worker"), rig.env(VISIBILITY_TIMEOUT=1))
    until(procs, lambda: rig.all_alerted(sink), 90, "every alert after redelivery",
          state=probe.state)
    assert procs.stop("worker") == 0
    assert_clean(rig, sink, procs)
    assert probe.unacked() == 0 and probe.queued() == 0


def test_consumer_sigkill_between_pop_and_unacked_record_is_reconciled(
    rig: NotifierRig, probe: RedisProbe, sink, procs
) -> None:
    rig.relay_all()
    # kombu records a popped message as unacked in a second round trip; die right before it.
    dying = (
        "import os, signal\n"
        "from kombu.transport import redis as transport\n"
        "def die(self, message, delivery_tag):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "transport.QoS.append = die\n"
        "from notifier.__main__ import main\n"
        "main(['consume'])\n"
    )
    procs.spawn("victim", [sys.executable, "-c", dying], rig.env())
    assert procs.started["victim"].wait(30) == -signal.SIGKILL
    # One message is gone from the broker without a trace.
    assert probe.queued() == rig.volunteers and probe.unacked() == 0
    procs.spawn("worker", rig.command("worker"), rig.env())
    until(procs, lambda: len(rig.inbox_ids()) == rig.volunteers, 30, "the rest to be consumed")
    time.sleep(0.3)
    missing = unconsumed(rig.producer, rig.relay().table, rig.engine, consumer_inbox,
                         "notifier", topology.EVENT_QUEUES["notifier.events"], grace=0.2,
                         horizon=3600)
    assert len(missing) == 1
    relay = rig.relay()
    try:
        reconciler = Reconciler(relay, rig.engine, consumer_inbox, "notifier",
                                "notifier.events", grace=0.2)
        assert reconciler.run_once() == 1
    finally:
        relay.close()
    until(procs, lambda: rig.all_alerted(sink), 90, "every alert after reconciliation")
    assert procs.stop("worker") == 0
    assert_clean(rig, sink, procs)
    assert len(rig.inbox_ids()) == rig.volunteers + 1


def test_sigterm_during_a_handler_finishes_acks_and_leaves_the_rest_queued(
    tmp_path: Path, broker: RedisServer, probe: RedisProbe, sink, procs
) -> None:
    declare(broker.url)
    rig = NotifierRig(tmp_path, broker.url, sink.url, volunteers=150)
    try:
        rig.record_publication()
        rig.relay_all()
        total = rig.volunteers + 1
        with write_lock(rig) as lock:
            victim = procs.spawn("victim", rig.command("consume"), rig.env(CONSUMER_BATCH=50))
            until(procs, lambda: probe.unacked() == 50, 30, "a batch to be taken")
            procs.signal("victim", signal.SIGTERM)
            time.sleep(0.3)
            assert victim.poll() is None, "SIGTERM must not cut the handler short"
            release(lock)
        assert victim.wait(30) == 0, procs.log("victim")
        # The batch in hand was committed and acked; nothing else was taken or left unacked.
        assert len(rig.inbox_ids()) == 50
        assert probe.unacked() == 0
        assert probe.queued() == total - 50
        procs.spawn("worker", rig.command("worker"), rig.env())
        until(procs, lambda: rig.all_alerted(sink), 90, "every alert")
        assert procs.stop("worker") == 0
        assert_clean(rig, sink, procs)
    finally:
        rig.close()


def test_handler_slower_than_the_visibility_timeout_is_suppressed_by_the_inbox(
    rig: NotifierRig, probe: RedisProbe, sink, procs
) -> None:
    rig.relay_all()
    total = rig.volunteers + 1
    with write_lock(rig) as lock:
        procs.spawn("slow", rig.command("consume"), rig.env(VISIBILITY_TIMEOUT=1))
        until(procs, lambda: probe.unacked() == total, 30, "the slow consumer to take everything")
        procs.signal("slow", signal.SIGSTOP)
        release(lock)
    # A second consumer gets the same messages again once the visibility timeout passes.
    procs.spawn("worker", rig.command("worker"), rig.env(VISIBILITY_TIMEOUT=1))
    until(procs, lambda: rig.all_alerted(sink), 90, "every alert from the second consumer",
          state=probe.state)
    procs.signal("slow", signal.SIGCONT)
    until(procs, lambda: "processed" in procs.log("slow") or "skipped" in procs.log("slow"), 30,
             "the slow consumer to finish its copy")
    assert procs.stop("slow") == 0
    assert procs.stop("worker") == 0
    assert len(rig.inbox_ids()) == total
    assert rig.deliveries() == (rig.volunteers, 0)
    assert_clean(rig, sink, procs)


# -- broker faults -----------------------------------------------------------------------------


def test_redis_killed_and_restarted_on_its_data_loses_nothing(
    rig: NotifierRig, broker: RedisServer, probe: RedisProbe, sink, procs
) -> None:
    rig.relay_all()
    # One message per transaction, so the crash comes while most are still queued.
    procs.spawn("worker", rig.command("worker"),
                rig.env(CONSUMER_BATCH=1, VISIBILITY_TIMEOUT=2))
    until(procs, lambda: len(rig.inbox_ids()) >= 3, 30, "consumption to start")
    broker.kill()
    time.sleep(1.0)
    broker.start()
    # Consumption resumes; it settles once nothing is queued or unacknowledged any more.
    until(procs, lambda: probe.queued() == 0 and probe.unacked() == 0, 60,
             "the queue to drain after the restart")
    # A BRPOP whose reply died with the connection took its message with it: reconciliation
    # finds what the consumer never processed and publishes it again.
    relay = rig.relay()
    try:
        reconciler = Reconciler(relay, rig.engine, consumer_inbox, "notifier",
                                "notifier.events", grace=0.5)
        time.sleep(0.6)
        reconciled = reconciler.run_once()
    finally:
        relay.close()
    print("\nreconciled after the crash:", reconciled)
    until(procs, lambda: rig.all_alerted(sink), 90, "every alert after the restart")
    assert len(rig.inbox_ids()) == rig.volunteers + 1
    assert procs.started["worker"].poll() is None, "the worker died with Redis"
    assert procs.stop("worker") == 0
    assert_clean(rig, sink, procs)


def test_killed_connections_and_a_paused_redis_are_survived(
    rig: NotifierRig, broker: RedisServer, probe: RedisProbe, sink, procs
) -> None:
    procs.spawn("worker", rig.command("worker"), rig.env())
    admin = redis.Redis.from_url(broker.url, socket_timeout=10)
    try:
        until(procs, lambda: any(c.get("cmd") == "brpop" for c in admin.client_list()), 30,
                 "the consumer to wait on Redis")
        assert admin.client_kill_filter(_type="normal", skipme=True) >= 1
        # CLIENT PAUSE: every command blocks for 5 s. A publish meanwhile ends within bounds.
        admin.execute_command("CLIENT", "PAUSE", "5000", "ALL")
        started = time.monotonic()
        relay = rig.relay(connection_options={"socket_timeout": 1.0})
        try:
            relay.relay_once()
        finally:
            relay.close()
        assert time.monotonic() - started < 15
        rig.relay_all()
        until(procs, lambda: rig.all_alerted(sink), 90, "every alert after reconnecting")
    finally:
        admin.close()
    assert procs.started["worker"].poll() is None, "the consumer died"
    assert procs.stop("worker") == 0
    assert_clean(rig, sink, procs)


def test_black_holed_broker_is_detected_and_recovered_from(
    rig: NotifierRig, broker: RedisServer, sink, procs
) -> None:
    proxy = TcpProxy(broker.port).start()
    try:
        procs.spawn("worker", rig.command("worker"), rig.env(broker_url=proxy.url))
        time.sleep(1.0)
        proxy.set_mode(BLACK_HOLE)
        relay = rig.relay(broker_url=proxy.url,
                          connection_options={"socket_timeout": 1.0, "connect_timeout": 1.0})
        try:
            started = time.monotonic()
            assert relay.relay_once() == 0
            # Detected by a timeout, not a hang; the event stays in the outbox with the error.
            assert time.monotonic() - started < 20
            unsent = rig.unsent()
            assert len(unsent) == rig.volunteers + 1
            assert any(row.last_error for row in unsent)
            assert procs.started["worker"].poll() is None
            proxy.set_mode(FORWARD)
            until(procs, lambda: relay.relay_once() >= 0 and not rig.unsent(), 30,
                     "the relay to publish after the heal")
        finally:
            relay.close()
        until(procs, lambda: rig.all_alerted(sink), 90, "every alert after the heal")
        assert procs.stop("worker") == 0
    finally:
        proxy.stop()
    assert_clean(rig, sink, procs)


def test_broker_down_at_publish_keeps_the_event_and_delivers_it_once(
    tmp_path: Path, broker: RedisServer, procs
) -> None:
    """The registry under gunicorn and its relay process; Redis is down during the request."""
    stack = Stack(procs, tmp_path, broker.url).prepare().start("registry")
    admin = stack.login("admin")
    env = {**stack.env("registry")}
    tap = Queue("test.communities", bindings=[
        binding(topology.events_exchange(), routing_key="registry.community.changed")],
        durable=True, auto_delete=False)
    with topology.connection(broker.url) as conn, conn.channel() as channel:
        topology.events_exchange()(channel).declare()
        tap(channel).declare()
    procs.spawn("relay", [sys.executable, "-m", "registry", "relay"], env)
    broker.kill()
    started = time.monotonic()
    answer = requests.post(stack.url("registry") + "/communities", headers=admin, timeout=30,
                           json={"code": "Z", "name": "新建社区", "district": "示例县",
                                 "calendar_region": "CN"})
    assert answer.status_code == 201, answer.text
    assert time.monotonic() - started < 5, "the API waited on the broker"
    engine = sa.create_engine(stack.database_url("registry"))
    try:
        def outbox() -> list[Any]:
            with engine.connect() as conn:
                return list(conn.execute(sa.text(
                    "SELECT id, published_at, attempts, last_error FROM outbox "
                    "WHERE type = 'registry.community.changed'")))

        # The relay keeps the event and records why it could not publish it.
        rows = until(procs, lambda: [r for r in outbox() if r.last_error], 30,
                        "the relay to fail on the dead broker")
        assert len(rows) == 1 and rows[0].published_at is None
        broker.start()
        until(procs, lambda: all(r.published_at for r in outbox()), 60,
                 "the relay to publish after recovery")
        event_id = rows[0].id
    finally:
        engine.dispose()
    assert procs.stop("relay") == 0
    received = []
    with topology.connection(broker.url) as conn, conn.channel() as channel:
        while (message := tap(channel).get(no_ack=True)) is not None:
            body = message.body
            received.append(json.loads(body if isinstance(body, str) else body.decode()))
    report = classify([event_id], [(e["id"], e["id"]) for e in received])
    assert report.ok and report.raw_receipts == 1, report.summary()
    assert procs.stop("registry") == 0


def test_poison_publish_does_not_stop_the_consumer(
    rig: NotifierRig, probe: RedisProbe, sink, procs
) -> None:
    with topology.connection(rig.broker_url) as conn:
        Producer(conn).publish(
            b'{"not an envelope": "13912345678"', exchange=topology.events_exchange(),
            routing_key="assignment.assigned", content_type="application/json",
            content_encoding="utf-8", headers={"message_id": "poison"},
            retry=True, retry_policy=QUICK_RETRY)
    rig.relay_all()
    procs.spawn("worker", rig.command("worker"), rig.env())
    until(procs, lambda: rig.all_alerted(sink), 90, "every alert past the poison message")
    assert procs.stop("worker") == 0
    assert probe.dead() == 1
    assert "13912345678" not in procs.log("worker")
    assert_clean(rig, sink, procs)
