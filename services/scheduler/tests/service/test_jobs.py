"""Solve jobs in the database: one claim wins, leases expire and are reaped, stale workers
cannot store results, cancelling works (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from scheduler.service import jobs
from scheduler.service.db import session_scope
from scheduler.service.models import (
    CANCELLED,
    DRAFT,
    OUTBOX,
    QUEUED,
    RUNNING,
    SOLVING,
    Plan,
    PlanVersion,
    SolveJob,
    utcnow,
)
from scheduler.service.plans import service as plans

from .conftest import ADMIN, new_plan


def _queue_job(factory: sessionmaker[Session]) -> str:
    plan_id = new_plan(factory)
    with session_scope(factory) as session:
        plan = session.get(Plan, plan_id)
        return plans.request_solve(session, plan, ADMIN, time_limit=5, max_active=10).id


def _commands(factory: sessionmaker[Session], job_id: str) -> list[dict]:
    with session_scope(factory) as session:
        bodies = session.scalars(
            select(OUTBOX.c.body).where(OUTBOX.c.type == "scheduler.solve")
        ).all()
    return [json.loads(b)["payload"] for b in bodies if job_id in b]


def test_requesting_a_solve_queues_a_job_and_sends_one_command(factory) -> None:
    job_id = _queue_job(factory)
    with session_scope(factory) as session:
        job = session.get(SolveJob, job_id)
        assert job.status == QUEUED
        assert session.get(PlanVersion, job.version_id).state == SOLVING
    assert [c["attempt"] for c in _commands(factory, job_id)] == [1]


def test_only_one_worker_claims_a_job(factory) -> None:
    job_id = _queue_job(factory)
    with session_scope(factory) as session:
        assert jobs.claim(session, job_id, "worker-a", 30)
    with session_scope(factory) as session:
        assert not jobs.claim(session, job_id, "worker-b", 30)
        job = session.get(SolveJob, job_id)
        assert (job.status, job.worker_id, job.attempt) == (RUNNING, "worker-a", 1)


def test_expired_lease_is_reaped_and_claimed_by_another_worker(factory) -> None:
    job_id = _queue_job(factory)
    with session_scope(factory) as session:
        assert jobs.claim(session, job_id, "worker-a", 30)
    with session_scope(factory) as session:
        # Nothing to reap while the lease holds.
        assert jobs.reap(session, 30) == []
        session.execute(update(SolveJob).where(SolveJob.id == job_id)
                        .values(lease_until=utcnow() - timedelta(seconds=1)))
    with session_scope(factory) as session:
        assert jobs.reap(session, 30) == [job_id]
    with session_scope(factory) as session:
        assert jobs.reap(session, 30) == []
        assert session.get(SolveJob, job_id).status == QUEUED
    assert [c["attempt"] for c in _commands(factory, job_id)] == [1, 2]
    with session_scope(factory) as session:
        assert jobs.claim(session, job_id, "worker-b", 30)
    # The first worker comes back: it no longer owns the job.
    with session_scope(factory) as session:
        assert jobs.owned_job(session, job_id, "worker-a") is None
        owner, cancel = jobs.renew(session, job_id, "worker-a", 30, {"objective": 1})
        assert (owner, cancel) == (False, False)
        assert jobs.owned_job(session, job_id, "worker-b") is not None


def test_cancelling_a_queued_job_returns_the_plan_to_draft(factory) -> None:
    job_id = _queue_job(factory)
    with session_scope(factory) as session:
        job = session.get(SolveJob, job_id)
        plans.cancel_solve(session, session.get(Plan, job.plan_id), None)
    with session_scope(factory) as session:
        job = session.get(SolveJob, job_id)
        assert job.status == CANCELLED
        assert session.get(PlanVersion, job.version_id).state == DRAFT
        assert not jobs.claim(session, job_id, "worker-a", 30)


def test_cancelling_a_running_job_tells_its_worker(factory) -> None:
    job_id = _queue_job(factory)
    with session_scope(factory) as session:
        jobs.claim(session, job_id, "worker-a", 30)
    with session_scope(factory) as session:
        job = session.get(SolveJob, job_id)
        plans.cancel_solve(session, session.get(Plan, job.plan_id), job_id)
    with session_scope(factory) as session:
        assert jobs.renew(session, job_id, "worker-a", 30, None) == (True, True)


def test_a_queued_job_whose_command_seems_lost_is_sent_again(factory) -> None:
    job_id = _queue_job(factory)
    with session_scope(factory) as session:
        assert jobs.reap(session, 30) == []
        long_ago = utcnow() - timedelta(seconds=30 * jobs.QUEUED_RESEND_LEASES + 1)
        session.execute(update(SolveJob).where(SolveJob.id == job_id)
                        .values(enqueued_at=long_ago))
    with session_scope(factory) as session:
        assert jobs.reap(session, 30) == [job_id]
        assert session.get(SolveJob, job_id).status == QUEUED
    assert [c["attempt"] for c in _commands(factory, job_id)] == [1, 2]


def test_a_job_that_keeps_losing_its_worker_fails_for_good(factory) -> None:
    job_id = _queue_job(factory)
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        with session_scope(factory) as session:
            assert jobs.claim(session, job_id, f"worker-{attempt}", 30)
            session.execute(update(SolveJob).where(SolveJob.id == job_id)
                            .values(lease_until=utcnow() - timedelta(seconds=1)))
        with session_scope(factory) as session:
            jobs.reap(session, 30)
    with session_scope(factory) as session:
        job = session.get(SolveJob, job_id)
        assert (job.status, job.attempt) == ("failed", jobs.MAX_ATTEMPTS)
        assert "lost" in job.error
        assert session.get(PlanVersion, job.version_id).state == DRAFT


def test_two_solve_requests_at_once_make_one_job(factory) -> None:
    import threading

    from scheduler.service.errors import Conflict

    plan_id = new_plan(factory)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def request() -> None:
        barrier.wait()
        try:
            with session_scope(factory) as session:
                plans.request_solve(session, session.get(Plan, plan_id), ADMIN, time_limit=5,
                                    max_active=10)
            outcomes.append("queued")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["conflict", "queued"]
    with session_scope(factory) as session:
        assert len(session.scalars(select(SolveJob.id)).all()) == 1
