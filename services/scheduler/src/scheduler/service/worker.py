"""Solve worker: consumes `scheduler.solve` commands, one job at a time, under a DB lease.

For each command: claim the job row (one UPDATE, so a job never runs twice at once), solve in
the engine's child process while a heartbeat thread renews the lease, stores progress and
watches the cancel flag, then store the plan and the `plan.solved` event in one commit, and
only then ack. A reaper thread re-queues jobs whose lease expired (their worker died), so a
worker killed mid-solve costs a re-solve, never a lost job. Commands are acknowledged even
when the claim fails: the job row, not the message, is the truth.
"""

from __future__ import annotations

import contextvars
import logging
import os
import signal
import socket
import threading
import time
import uuid
from typing import Any

from kombu import Connection, Consumer, Message
from kombu.mixins import ConsumerProducerMixin
from sqlalchemy.orm import Session, sessionmaker

from linli_contracts import topology
from linli_contracts.consumer import ATTEMPTS_HEADER, ERROR_HEADER, QUEUE_HEADER
from linli_contracts.envelope import parse_envelope
from linli_contracts.errors import ContractError
from linli_contracts.logs import correlation
from linli_contracts.outbox import DEFAULT_RETRY_POLICY
from scheduler.service import engine_port, jobs, metrics
from scheduler.service.db import session_scope
from scheduler.service.models import Plan, PlanVersion, SolveJob
from scheduler.service.plans import service as plans

log = logging.getLogger(__name__)
QUEUE = "scheduler.solve"


def worker_name() -> str:
    """A name unique to this process, recorded on the jobs it claims."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Heartbeat(threading.Thread):
    """Renews a job's lease and stores progress; sets `stop` on cancel or lost ownership."""

    def __init__(self, factory: sessionmaker[Session], job_id: str, worker: str,
                 lease: float, stop: threading.Event) -> None:
        super().__init__(name=f"heartbeat-{job_id[:8]}", daemon=True)
        self.factory, self.job_id, self.worker, self.lease = factory, job_id, worker, lease
        self.stop_solve = stop
        self.done = threading.Event()
        self.progress: dict[str, Any] = {}
        self.cancelled = False
        self.lost = False
        # A thread starts with an empty context: its log lines keep the job's correlation id.
        self.context = contextvars.copy_context()

    def report(self, event: dict[str, Any]) -> None:
        """Progress callback of the engine: remember the latest numbers."""
        self.progress = {
            key: event[key] for key in ("objective", "bound", "elapsed") if key in event
        }

    def beat(self) -> None:
        """One renewal."""
        with session_scope(self.factory) as session:
            owner, cancel = jobs.renew(session, self.job_id, self.worker, self.lease,
                                       dict(self.progress))
        if cancel:
            self.cancelled = True
            self.stop_solve.set()
        if not owner:
            self.lost = True
            self.stop_solve.set()

    def run(self) -> None:
        """Beat every third of the lease (at least every two seconds, so progress shows)."""
        self.context.run(self._beat_until_done)

    def _beat_until_done(self) -> None:
        while not self.done.wait(min(self.lease / 3, 2.0)):
            try:
                self.beat()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the heartbeat
                log.warning("lease renewal of job %s failed", self.job_id, exc_info=True)


class Reaper(threading.Thread):
    """Re-queues jobs whose lease expired, every half lease."""

    def __init__(self, factory: sessionmaker[Session], lease: float) -> None:
        super().__init__(name="reaper", daemon=True)
        self.factory, self.lease = factory, lease
        self.stopping = threading.Event()

    def run(self) -> None:
        """Reap until stopped."""
        while not self.stopping.wait(max(0.5, self.lease / 2)):
            try:
                with session_scope(self.factory) as session:
                    requeued = jobs.reap(session, self.lease)
                for job_id in requeued:
                    log.warning("job %s lost its worker; queued again", job_id)
            except Exception:  # noqa: BLE001 - try again next round
                log.warning("reaper pass failed", exc_info=True)


def solve_job(factory: sessionmaker[Session], job_id: str, worker: str, lease: float,
              lang: str = "zh-CN") -> str:
    """Claim and solve one job; return what happened (claimed elsewhere, done, failed ...)."""
    with session_scope(factory) as session:
        if not jobs.claim(session, job_id, worker, lease):
            return "not-claimed"
    try:
        with session_scope(factory) as session:
            job = session.get(SolveJob, job_id)
            assert job is not None
            plan = session.get(Plan, job.plan_id)
            version = session.get(PlanVersion, job.version_id)
            assert plan is not None and version is not None
            problem = plans.problem_for_solve(session, plan, version)
            time_limit = job.time_limit
    except Exception as exc:  # noqa: BLE001 - a job that cannot even be read fails for good
        with session_scope(factory) as session:
            owned = jobs.owned_job(session, job_id, worker)
            if owned is not None:
                jobs.fail(session, owned, f"{type(exc).__name__}: {exc}")
        return "failed"
    stop = threading.Event()
    heartbeat = Heartbeat(factory, job_id, worker, lease, stop)
    heartbeat.start()
    log.info("worker %s solves job %s (plan %s, %.1f s)", worker, job_id, plan.id, time_limit)
    error: str | None = None
    result: dict[str, Any] | None = None
    started = time.monotonic()
    try:
        result = engine_port.solve(problem, time_limit=time_limit, progress=heartbeat.report,
                                   stop_event=stop, lang=lang)
    except Exception as exc:  # noqa: BLE001 - any engine failure fails this job only
        error = f"{type(exc).__name__}: {exc}"
        log.warning("job %s failed: %s", job_id, error)
    finally:
        heartbeat.done.set()
        heartbeat.join(5)
    metrics.record_solve(result, time.monotonic() - started)
    with session_scope(factory) as session:
        job = jobs.owned_job(session, job_id, worker)
        if job is None or heartbeat.lost:
            log.warning("job %s was taken over; result of %s discarded", job_id, worker)
            return "lost"
        if heartbeat.cancelled or job.cancel_requested:
            jobs.fail(session, job, "", cancelled=True)
            return "cancelled"
        if result is None:
            jobs.fail(session, job, error or "no result")
            return "failed"
        version = session.get(PlanVersion, job.version_id)
        plan = session.get(Plan, job.plan_id)
        assert version is not None and plan is not None
        plans.store_result(session, plan, version, result)
        objective = result.get("objective") or {}
        solver = result.get("solver") or {}
        progress = {"objective": objective.get("value"), "bound": objective.get("bound"),
                    "gap": objective.get("gap"),
                    "elapsed": solver.get("solve_seconds", heartbeat.progress.get("elapsed"))}
        jobs.succeed(session, job, str(result.get("status", "unknown")), progress)
    return "done"


class SolveWorker(ConsumerProducerMixin):
    """kombu consumer of the solve queue, prefetch 1, ack after the result is committed."""

    def __init__(self, connection: Connection, factory: sessionmaker[Session], *,
                 lease: float, name: str | None = None) -> None:
        self.connection = connection
        self.factory = factory
        self.lease = lease
        self.name = name or worker_name()

    def get_consumers(self, Consumer: type[Consumer], channel: Any) -> list[Consumer]:  # noqa: N803
        """One consumer of the solve queue reading raw JSON bodies."""
        return [Consumer(queues=[topology.queue_for(QUEUE)],  # type: ignore[call-arg]
                         on_message=self.on_message, prefetch_count=1, accept=["json"])]

    def on_decode_error(self, message: Message, exc: Exception) -> None:
        """Dead-letter an undecodable command without logging its body."""
        self.dead_letter(message, f"DecodeError: {type(exc).__name__}")

    def dead_letter(self, message: Message, reason: str) -> None:
        """Move the message to `scheduler.solve.dead` and ack it."""
        dead = topology.dead_letter_queue_for(QUEUE)
        log.error("solve worker dead-letters a command: %s", reason)
        self.producer.publish(
            message.body, exchange=topology.dead_letter_exchange(), routing_key=dead.routing_key,
            declare=[dead], content_type=message.content_type or "application/octet-stream",
            content_encoding=message.content_encoding or "binary", delivery_mode=2,
            headers={**(message.headers or {}), ATTEMPTS_HEADER: 1, ERROR_HEADER: reason,
                     QUEUE_HEADER: QUEUE},
            retry=True, retry_policy=DEFAULT_RETRY_POLICY,
        )
        message.ack()

    def on_message(self, message: Message) -> None:
        """Handle one command; ack only after the outcome is committed."""
        if self.should_stop:
            # Delivered while stopping (AMQP hands over deliveries that arrive during the
            # cancel): left unacked, the broker gives it back when the channel closes.
            return
        try:
            envelope = parse_envelope(message.body)
        except ContractError as exc:
            self.dead_letter(message, str(exc))
            return
        job_id = str(envelope.payload["job_id"])
        with correlation(envelope.correlation_id):
            try:
                outcome = solve_job(self.factory, job_id, self.name, self.lease)
            except Exception:  # noqa: BLE001 - leave it to the lease: the reaper will retry
                log.exception("solve worker %s failed on job %s", self.name, job_id)
                outcome = "error"
            metrics.JOBS.labels(outcome).inc()
            log.info("solve worker %s: job %s %s", self.name, job_id, outcome,
                     extra={"job_id": job_id, "result": outcome})
        message.ack()

    def run_forever(self) -> None:
        """Consume until SIGTERM/SIGINT; an unexpected loop error is logged and consuming
        resumes."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: setattr(self, "should_stop", True))
        while not self.should_stop:
            try:
                self.run()
            except Exception:  # noqa: BLE001 - the process must outlive any one failure
                log.exception("solve worker loop failed; resuming")
                time.sleep(1.0)
