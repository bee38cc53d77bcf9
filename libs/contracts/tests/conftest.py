"""Shared pieces of the contract tests: a database with outbox, inbox and an effects table, a
recording consumer, and utilities to run it in a thread and read queues.

Test modules are imported with --import-mode=importlib, so the utilities reach them through the
`kit` fixture rather than an import.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from kombu import Connection, Message
from sqlalchemy.orm import Session, sessionmaker

from linli_contracts import topology
from linli_contracts.consumer import EventConsumer
from linli_contracts.envelope import Envelope
from linli_contracts.errors import PermanentError, TransientError
from linli_contracts.inbox import inbox_table
from linli_contracts.outbox import outbox_table

metadata = sa.MetaData()
OUTBOX = outbox_table(metadata)
INBOX = inbox_table(metadata)
EFFECTS = sa.Table(
    "effects",
    metadata,
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("message_id", sa.String(36), nullable=False),
    sa.Column("type", sa.String(100), nullable=False),
)


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """An engine on a fresh database (SQLite, then PostgreSQL) with the test tables."""
    engine = sa.create_engine(database_url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: sa.Engine) -> sessionmaker[Session]:
    """Session factory bound to the test database."""
    return sessionmaker(engine)


def effects(engine: sa.Engine) -> list[str]:
    """Message ids whose effect was committed, in order."""
    with engine.connect() as conn:
        return [row.message_id for row in conn.execute(sa.select(EFFECTS).order_by(EFFECTS.c.n))]


class RecordingConsumer(EventConsumer):
    """Writes one effects row per message; can be told to fail for given message ids."""

    name = "recorder"
    queues = ("notifier.events",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.transient_failures: dict[str, int] = {}
        self.always_fail: set[str] = set()
        self.permanent: set[str] = set()
        self.calls: list[str] = []
        self.before_effect: Callable[[Envelope, Session], None] | None = None

    def handle(self, envelope: Envelope, session: Session) -> None:
        """Record the call, fail when told to, else write the effect."""
        self.calls.append(envelope.id)
        if self.transient_failures.get(envelope.id, 0) > 0:
            self.transient_failures[envelope.id] -= 1
            raise TransientError("sink answered 503")
        if envelope.id in self.always_fail:
            raise RuntimeError("sink answered 500")
        if envelope.id in self.permanent:
            raise PermanentError("volunteer no longer exists")
        if self.before_effect:
            self.before_effect(envelope, session)
        session.execute(EFFECTS.insert().values(message_id=envelope.id, type=envelope.type))


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll until `predicate()` holds; fail the test if it never does."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail("condition not reached in time")
        time.sleep(0.05)


@contextmanager
def running(consumer: EventConsumer) -> Iterator[EventConsumer]:
    """Run the consumer in a thread for the duration of the block, then stop it."""
    # A short drain timeout only makes stopping quicker; the default is one second.
    thread = threading.Thread(target=consumer.run, kwargs={"safety_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield consumer
    finally:
        consumer.stop()
        thread.join(30)
        assert not thread.is_alive()


def drain(url: str, queue_name: str) -> list[Message]:
    """Take (and ack) every message now in a queue (or dead-letter queue) of the topology."""
    queue = _queue(queue_name)
    taken = []
    with Connection(url) as conn, conn.channel() as channel:
        bound = queue(channel)
        bound.declare()
        while (message := bound.get(no_ack=True)) is not None:
            taken.append(message)
    return taken


def _queue(queue_name: str) -> Any:
    if queue_name.endswith(topology.DEAD_SUFFIX):
        return topology.dead_letter_queue_for(queue_name.removesuffix(topology.DEAD_SUFFIX))
    return topology.queue_for(queue_name)


def queue_length(url: str, queue_name: str) -> int:
    """Messages waiting in a queue right now (unacked ones are not counted)."""
    if topology.transport_of(url) == topology.AMQP:
        with topology.connection(url) as conn, conn.channel() as channel:
            return int(_queue(queue_name)(channel).queue_declare().message_count)
    import redis  # noqa: PLC0415

    client = redis.Redis.from_url(url)
    try:
        return int(client.llen(queue_name))
    finally:
        client.close()


@pytest.fixture
def kit() -> SimpleNamespace:
    """The utilities and tables of this module, for test modules."""
    return SimpleNamespace(
        OUTBOX=OUTBOX,
        INBOX=INBOX,
        EFFECTS=EFFECTS,
        RecordingConsumer=RecordingConsumer,
        effects=effects,
        wait_until=wait_until,
        running=running,
        drain=drain,
        queue_length=queue_length,
    )
