"""`python -m notifier relay` reconciles with the scheduler's inbox: a volunteer's answer the
relay published an hour ago that the scheduler never recorded is published again, once; the
one it recorded is not (a real relay process, real Redis, the notifier on SQLite and
PostgreSQL, the scheduler's inbox in a SQLite file of its own)."""

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
from notifier.db import make_engine
from notifier.migrate import upgrade
from notifier.models import outbox

AN_HOUR = timedelta(hours=1)
ANSWER = "assignment.response"


def _published_long_ago(engine: sa.Engine) -> str:
    event = make_event(ANSWER, example_payload(ANSWER))
    with engine.begin() as conn:
        record(conn, outbox, event)
        conn.execute(outbox.update().where(outbox.c.id == event.id).values(
            created_at=datetime.now(UTC) - AN_HOUR, published_at=datetime.now(UTC) - AN_HOUR,
            attempts=1))
    return event.id


def _published_at(engine: sa.Engine, event_id: str) -> datetime:
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


def test_relay_process_publishes_again_an_answer_the_scheduler_never_recorded(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    lost = _published_long_ago(engine)
    taken = _published_long_ago(engine)
    inbox_url = f"sqlite:///{tmp_path / 'scheduler.db'}"
    inbox_engine = sa.create_engine(inbox_url)
    inbox = inbox_table(sa.MetaData(), "inbox")
    inbox.create(inbox_engine)
    with inbox_engine.begin() as conn:
        mark_processed(conn, inbox, "scheduler",
                       make_event(ANSWER, example_payload(ANSWER), message_id=taken))
    inbox_engine.dispose()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "NOTIFIER_DATABASE_URL": database_url, "BROKER_URL": redis_url,
        "NOTIFIER_RECONCILE_INBOX_URL": inbox_url, "NOTIFIER_RECONCILE_INTERVAL": "0.5",
    }
    process = subprocess.Popen([sys.executable, "-m", "notifier", "relay"], env=env,
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
    assert "published but never processed by scheduler" in output
    engine.dispose()
