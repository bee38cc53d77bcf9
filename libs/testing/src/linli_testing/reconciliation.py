"""One check that a service's relay process reconciles its outbox with its consumer's inbox.

Two events of the consumer's kind were published an hour ago; the consumer's inbox (a SQLite
file of its own) recorded one of them. The real relay process (`python -m <module> relay`)
must publish the other again, once, and leave the recorded one alone, as it must an event
the consumer never expects.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from kombu import Connection

from linli_contracts import make_event, parse_envelope, topology
from linli_contracts.examples import example_payload
from linli_contracts.inbox import inbox_table, mark_processed
from linli_contracts.outbox import record

AN_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class RelayUnderTest:
    """A relay and the consumer whose inbox it reads."""

    module: str  #: `python -m <module> relay`
    prefix: str  #: the service's settings prefix, e.g. "REGISTRY"
    consumer: str  #: the consumer's name in its inbox
    inbox: str  #: the consumer's inbox table
    queue: str  #: the queue the consumer reads


def _published_long_ago(engine: sa.Engine, outbox: sa.Table, type_: str) -> str:
    event = make_event(type_, example_payload(type_))
    with engine.begin() as conn:
        record(conn, outbox, event)
        conn.execute(outbox.update().where(outbox.c.id == event.id).values(
            created_at=datetime.now(UTC) - AN_HOUR, published_at=datetime.now(UTC) - AN_HOUR,
            attempts=1))
    return event.id


def _published_at(engine: sa.Engine, outbox: sa.Table, event_id: str) -> datetime:
    with engine.connect() as conn:
        value = conn.scalar(sa.select(outbox.c.published_at).where(outbox.c.id == event_id))
    assert value is not None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _drain(url: str, queue_name: str) -> list[str]:
    taken = []
    with Connection(url) as conn, conn.channel() as channel:
        bound = topology.queue_for(queue_name)(channel)
        bound.declare()
        while (message := bound.get(no_ack=True)) is not None:
            taken.append(parse_envelope(message.body).id)
    return taken


def check_relay_reconciles(
    relay: RelayUnderTest, engine: sa.Engine, outbox: sa.Table, *, database_url: str,
    redis_url: str, workdir: Path, event_type: str, ignored_type: str | None = None,
) -> None:
    """Run the relay process against a lost, a recorded and (optionally) an ignored event."""
    lost = _published_long_ago(engine, outbox, event_type)
    taken = _published_long_ago(engine, outbox, event_type)
    ignored = _published_long_ago(engine, outbox, ignored_type) if ignored_type else None
    inbox_url = f"sqlite:///{workdir / 'consumer-inbox.db'}"
    inbox_engine = sa.create_engine(inbox_url)
    inbox = inbox_table(sa.MetaData(), relay.inbox)
    inbox.create(inbox_engine)
    with inbox_engine.begin() as conn:
        mark_processed(conn, inbox, relay.consumer,
                       make_event(event_type, example_payload(event_type), message_id=taken))
    inbox_engine.dispose()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        f"{relay.prefix}_DATABASE_URL": database_url, "BROKER_URL": redis_url,
        f"{relay.prefix}_RECONCILE_INBOX_URL": inbox_url,
        f"{relay.prefix}_RECONCILE_INTERVAL": "0.5",
    }
    process = subprocess.Popen([sys.executable, "-m", relay.module, "relay"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while _published_at(engine, outbox, lost) < datetime.now(UTC) - AN_HOUR / 2:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.2)
        time.sleep(1.5)  # a few more passes: the grace period keeps them from sending it again
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
    output = process.stdout.read().decode() if process.stdout else ""
    assert _drain(redis_url, relay.queue) == [lost], output
    for untouched in (taken, ignored):
        if untouched is not None:
            assert _published_at(engine, outbox, untouched) < datetime.now(UTC) - AN_HOUR / 2
    assert f"published but never processed by {relay.consumer}" in output
