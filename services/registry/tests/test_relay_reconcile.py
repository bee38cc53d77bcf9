"""`python -m registry relay` reconciles with the scheduler's inbox: an event the relay
published an hour ago that the scheduler never recorded is published again, once; the ones it
recorded are not (a real relay process, real Redis, the registry on SQLite and PostgreSQL,
the scheduler's inbox in a SQLite file of its own)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from kombu import Connection

from linli_contracts import make_event, parse_envelope, topology
from linli_contracts.examples import example_payload
from linli_contracts.inbox import inbox_table, mark_processed
from linli_contracts.outbox import record
from linli_contracts.reconcile import PeriodicReconciliation
from registry.db import make_engine
from registry.migrate import upgrade
from registry.models import OUTBOX

AN_HOUR = timedelta(hours=1)


def _published_long_ago(engine: sa.Engine, type_: str) -> str:
    event = make_event(type_, example_payload(type_))
    with engine.begin() as conn:
        record(conn, OUTBOX, event)
        conn.execute(OUTBOX.update().where(OUTBOX.c.id == event.id).values(
            created_at=datetime.now(UTC) - AN_HOUR, published_at=datetime.now(UTC) - AN_HOUR,
            attempts=1))
    return event.id


def _published_at(engine: sa.Engine, event_id: str) -> datetime:
    with engine.connect() as conn:
        value = conn.scalar(sa.select(OUTBOX.c.published_at).where(OUTBOX.c.id == event_id))
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


def test_relay_process_publishes_again_what_the_scheduler_never_recorded(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    lost = _published_long_ago(engine, "registry.volunteer.changed")
    taken = _published_long_ago(engine, "registry.volunteer.changed")
    other = _published_long_ago(engine, "registry.grid.changed")  # nobody's inbox expects it
    inbox_url = f"sqlite:///{tmp_path / 'scheduler.db'}"
    inbox_engine = sa.create_engine(inbox_url)
    inbox = inbox_table(sa.MetaData(), "inbox")
    inbox.create(inbox_engine)
    with inbox_engine.begin() as conn:
        mark_processed(conn, inbox, "scheduler",
                       make_event("registry.volunteer.changed",
                                  example_payload("registry.volunteer.changed"),
                                  message_id=taken))
    inbox_engine.dispose()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "REGISTRY_DATABASE_URL": database_url, "BROKER_URL": redis_url,
        "REGISTRY_RECONCILE_INBOX_URL": inbox_url, "REGISTRY_RECONCILE_INTERVAL": "0.5",
    }
    process = subprocess.Popen([sys.executable, "-m", "registry", "relay"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while _published_at(engine, lost) < datetime.now(UTC) - AN_HOUR / 2:
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
    assert _drain(redis_url, "scheduler.events") == [lost], output
    assert _published_at(engine, taken) < datetime.now(UTC) - AN_HOUR / 2
    assert _published_at(engine, other) < datetime.now(UTC) - AN_HOUR / 2
    assert "published but never processed by scheduler" in output
    engine.dispose()


def test_reconciliation_is_off_without_an_inbox_url_or_with_interval_zero(
    redis_url: str, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'registry.db'}")
    inbox_url = f"sqlite:///{tmp_path / 'scheduler.db'}"
    kwargs = {"consumer": "scheduler", "inbox": "inbox", "queue": "scheduler.events"}
    for settings in ({}, {"RECONCILE_INBOX_URL": ""},
                     {"RECONCILE_INBOX_URL": inbox_url, "RECONCILE_INTERVAL": 0}):
        assert PeriodicReconciliation.from_settings(
            settings, engine, OUTBOX, redis_url, **kwargs) is None
    on = PeriodicReconciliation.from_settings(
        {"RECONCILE_INBOX_URL": inbox_url}, engine, OUTBOX, redis_url, **kwargs)
    assert on is not None and on.interval == 60.0
    assert on.reconciler.types == topology.EVENT_QUEUES["scheduler.events"]
    on.stop()
    engine.dispose()
