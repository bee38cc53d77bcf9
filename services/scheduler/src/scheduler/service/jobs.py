"""Solve jobs in the database: enqueue, atomic claim under a lease, heartbeat, finish, reap.

A job row is the truth; the queue message only says "look at job X". A worker claims a job
with one UPDATE that succeeds only while the job is queued or its lease has run out, so one
problem never runs twice at the same time. While solving, the worker renews `lease_until`
every third of the lease. A worker killed mid-solve stops renewing; the reaper (run by every
solve worker) finds the expired lease, puts the job back to `queued` and sends a new command,
which another worker claims. A stale worker that comes back cannot store its result: finishing
checks it still owns the running job.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from linli_contracts import logs
from scheduler.service.events import emit
from scheduler.service.models import (
    CANCELLED,
    DRAFT,
    FAILED,
    QUEUED,
    RUNNING,
    SOLVED,
    SOLVING,
    SUCCEEDED,
    Plan,
    PlanVersion,
    SolveJob,
    utcnow,
)

#: A queued job whose command has not been picked up for this many leases is sent again
#: (the broker may have lost the message).
QUEUED_RESEND_LEASES = 20
#: A job whose worker was lost this many times is failed rather than tried again: something
#: in the job itself (a problem that crashes the solver, say) kills its workers.
MAX_ATTEMPTS = 3


def _update() -> Any:
    # Plain SQL UPDATE: guards compare in the database, not on objects in the session.
    return update(SolveJob).execution_options(synchronize_session=False)


def send_command(session: Session, job: SolveJob) -> None:
    """Write the solve command for the job to the outbox."""
    emit(
        session,
        "scheduler.solve",
        {
            "job_id": job.id,
            "plan_id": job.plan_id,
            "attempt": job.enqueues,
            "time_limit_seconds": job.time_limit,
        },
        correlation_id=job.correlation_id or job.id,
    )


def enqueue(
    session: Session, plan: Plan, version: PlanVersion, time_limit: float, user_id: int | None
) -> SolveJob:
    """Create a queued job for the version, mark the version solving, send the command."""
    job = SolveJob(
        id=str(uuid.uuid4()),
        plan_id=plan.id,
        version_id=version.id,
        status=QUEUED,
        time_limit=time_limit,
        requested_by=user_id,
        progress={},
        enqueued_at=utcnow(),
        correlation_id=logs.correlation_id() or plan.correlation_id,
    )
    session.add(job)
    version.state = SOLVING
    session.flush()
    send_command(session, job)
    return job


def active_jobs(session: Session) -> int:
    """How many jobs are queued or running."""
    return len(
        session.scalars(select(SolveJob.id).where(SolveJob.status.in_((QUEUED, RUNNING)))).all()
    )


def claim(session: Session, job_id: str, worker_id: str, lease_seconds: float) -> bool:
    """Take the job if it is queued or its lease expired; True when this worker owns it now."""
    now = utcnow()
    result = session.execute(
        _update()
        .where(
            SolveJob.id == job_id,
            SolveJob.cancel_requested.is_(False),
            or_(
                SolveJob.status == QUEUED,
                and_(SolveJob.status == RUNNING, SolveJob.lease_until < now),
            ),
        )
        .values(
            status=RUNNING,
            worker_id=worker_id,
            lease_until=now + timedelta(seconds=lease_seconds),
            attempt=SolveJob.attempt + 1,
            started_at=now,
            progress={},
        )
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def renew(
    session: Session, job_id: str, worker_id: str, lease_seconds: float,
    progress: dict[str, Any] | None,
) -> tuple[bool, bool]:
    """Extend the lease and store progress; return (still the owner, cancel requested)."""
    values: dict[str, Any] = {"lease_until": utcnow() + timedelta(seconds=lease_seconds)}
    if progress:
        values["progress"] = progress
    result = session.execute(
        _update()
        .where(SolveJob.id == job_id, SolveJob.worker_id == worker_id, SolveJob.status == RUNNING)
        .values(**values)
    )
    owner = result.rowcount == 1  # type: ignore[attr-defined]
    cancel = bool(
        session.scalar(select(SolveJob.cancel_requested).where(SolveJob.id == job_id))
    )
    return owner, cancel


def owned_job(session: Session, job_id: str, worker_id: str) -> SolveJob | None:
    """The job, locked, when this worker still owns it running; else None."""
    job = session.scalars(
        select(SolveJob).where(SolveJob.id == job_id).with_for_update()
    ).first()
    if job is None or job.status != RUNNING or job.worker_id != worker_id:
        return None
    return job


def _settle_version(session: Session, job: SolveJob) -> None:
    version = session.get(PlanVersion, job.version_id)
    if version is not None and version.state == SOLVING:
        version.state = SOLVED if version.result else DRAFT


def succeed(session: Session, job: SolveJob, outcome: str, progress: dict[str, Any]) -> None:
    """Mark an owned job succeeded and announce it (the caller stored the result)."""
    job.status = SUCCEEDED
    job.outcome = outcome
    job.progress = progress or job.progress
    job.finished_at = utcnow()
    job.lease_until = None
    emit(session, "plan.solved",
         {"plan_id": job.plan_id, "job_id": job.id, "status": outcome.lower()},
         correlation_id=job.correlation_id or job.id)


def fail(session: Session, job: SolveJob, error: str, *, cancelled: bool = False) -> None:
    """Mark a job failed (or cancelled) and put its version back to its last good state."""
    job.status = CANCELLED if cancelled else FAILED
    job.outcome = "cancelled" if cancelled else "failed"
    job.error = error[:2000] if error else None
    job.finished_at = utcnow()
    job.lease_until = None
    _settle_version(session, job)
    emit(session, "plan.solved",
         {"plan_id": job.plan_id, "job_id": job.id, "status": job.outcome},
         correlation_id=job.correlation_id or job.id)


def cancel(session: Session, job: SolveJob) -> None:
    """Cancel a queued job at once; ask the worker of a running job to stop."""
    if job.status == QUEUED:
        fail(session, job, "", cancelled=True)
    elif job.status == RUNNING:
        job.cancel_requested = True


def reap(session: Session, lease_seconds: float) -> list[str]:
    """Re-queue jobs whose lease expired or whose command seems lost; return their ids."""
    now = utcnow()
    resend_before = now - timedelta(seconds=lease_seconds * QUEUED_RESEND_LEASES)
    candidates = session.scalars(
        select(SolveJob).where(
            or_(
                and_(SolveJob.status == RUNNING, SolveJob.lease_until < now),
                and_(SolveJob.status == QUEUED, SolveJob.enqueued_at < resend_before),
            )
        )
    ).all()
    requeued = []
    for job in candidates:
        if job.cancel_requested:
            result = session.execute(
                _update()
                .where(SolveJob.id == job.id, SolveJob.status == job.status)
                .values(status=CANCELLED, outcome="cancelled", finished_at=now, lease_until=None)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                session.refresh(job)
                _settle_version(session, job)
            continue
        if job.status == RUNNING and job.attempt >= MAX_ATTEMPTS:
            result = session.execute(
                _update()
                .where(SolveJob.id == job.id, SolveJob.status == RUNNING,
                       SolveJob.lease_until < now)
                .values(lease_until=None)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                session.refresh(job)
                fail(session, job, f"worker lost {job.attempt} times")
            continue
        # The guard on the old status and lease makes two reapers agree on one winner.
        guard = [SolveJob.id == job.id, SolveJob.status == job.status]
        if job.status == RUNNING:
            guard.append(SolveJob.lease_until < now)
        else:
            guard.append(SolveJob.enqueued_at < resend_before)
        result = session.execute(
            _update()
            .where(*guard)
            .values(status=QUEUED, worker_id=None, lease_until=None, enqueued_at=now,
                    enqueues=SolveJob.enqueues + 1)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            session.refresh(job)
            send_command(session, job)
            requeued.append(job.id)
    return requeued
