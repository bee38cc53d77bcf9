"""A solve job through RabbitMQ: the command leaves through the outbox relay with publisher
confirms, a real `solve-worker` process takes it from the quorum queue, solves, stores the plan
and acks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from linli_contracts import topology
from linli_contracts.outbox import OutboxRelay
from scheduler.service.db import make_engine, session_scope
from scheduler.service.models import OUTBOX, SOLVED, Plan, PlanVersion, SolveJob
from scheduler.service.plans import service as plans

from .conftest import ADMIN, new_plan
from .system import wait_until

pytestmark = pytest.mark.slow


def _queued(amqp_url: str, name: str, *, dead: bool = False) -> int:
    queue = topology.dead_letter_queue_for(name) if dead else topology.queue_for(name)
    with topology.connection(amqp_url) as conn, conn.channel() as channel:
        return int(queue(channel).queue_declare().message_count)


def test_a_solve_job_goes_through_a_solve_worker_on_rabbitmq(
    sqlite_factory: tuple[str, sessionmaker[Session]], amqp_url: str, tmp_path: Path
) -> None:
    url, factory = sqlite_factory
    plan_id = new_plan(factory)
    with session_scope(factory) as session:
        job_id = plans.request_solve(session, session.get(Plan, plan_id), ADMIN, time_limit=2,
                                     max_active=100).id
    engine = make_engine(url)
    relay = OutboxRelay(engine, OUTBOX, amqp_url)
    try:
        assert relay.relay_once() == 1
    finally:
        relay.close()
    assert _queued(amqp_url, "scheduler.solve") == 1

    log = tmp_path / "worker.log"
    env = {**os.environ, "SCHEDULER_DATABASE_URL": url, "BROKER_URL": amqp_url,
           "SCHEDULER_JOB_LEASE_SECONDS": "5", "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "scheduler.service", "solve-worker"],
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        def finished() -> str | None:
            with session_scope(factory) as session:
                job = session.get(SolveJob, job_id)
                return job.status if job.status in ("succeeded", "failed") else None

        status = wait_until(finished, timeout=60)
        wait_until(lambda: _queued(amqp_url, "scheduler.solve") == 0, timeout=10)
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(30)
    text = log.read_text(errors="replace")
    assert status == "succeeded", text
    assert code == 0, text
    with session_scope(factory) as session:
        job = session.get(SolveJob, job_id)
        assert job.attempt == 1
        assert session.get(PlanVersion, job.version_id).state == SOLVED
    with engine.connect() as conn:
        types = conn.scalars(sa.select(OUTBOX.c.type).where(OUTBOX.c.published_at.is_(None)))
        assert list(types) == ["plan.solved"]  # the result is announced through the outbox
    # Nothing was dead-lettered on the way.
    assert _queued(amqp_url, "scheduler.solve", dead=True) == 0
    engine.dispose()
