"""The deliverer: claims due deliveries under a lease, sends them, records the outcome.

A delivery's idempotency key is fixed before the first send and changes only after a definite
failure, so a worker killed after the provider accepted a message but before recording it
leaves the delivery `sending`; once its lease expires another pass sends it again with the
same key, and a receiver that honours `Idempotency-Key` drops the repeat. Group robots get
several alerts batched into one message, within the shared per-robot rate limit.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from linli_contracts import logs
from notifier import metrics
from notifier.alerts import delivery_release, fall_back, utcnow
from notifier.channels.base import (
    PERMANENT,
    TRANSIENT,
    Channel,
    DeliveryResult,
    OutgoingMessage,
    Recipient,
)
from notifier.channels.email import EmailChannel
from notifier.channels.robots import DingTalkRobot, WeComRobot, join_batch
from notifier.channels.sms import SmsChannel, make_provider
from notifier.channels.webhook import WebhookChannel
from notifier.crypto import Vault
from notifier.db import rowcount, table_of
from notifier.models import (
    ChannelSettings,
    Delivery,
    DeliveryAttempt,
    Notification,
    RobotRate,
    WebhookTarget,
)

log = logging.getLogger(__name__)

ROBOT_CHANNELS = ("wecom", "dingtalk")
#: Receivers that honour the idempotency key: their outcomes are recorded once per pass.
#: Every other channel is recorded right after its send, to keep the window for a repeat small.
IDEMPOTENT_CHANNELS = ("webhook",)
BATCH_SEPARATOR = "\n\n---\n\n"
#: What a send reads of an alert and of its volunteer's settings.
MESSAGE_COLUMNS = (Notification.id, Notification.volunteer_id, Notification.kind,
                   Notification.language, Notification.subject, Notification.body_text,
                   Notification.body_markdown, Notification.sms_params,
                   Notification.correlation_id)
CONTACT_COLUMNS = (ChannelSettings.volunteer_id, ChannelSettings.email,
                   ChannelSettings.phone_ciphertext, ChannelSettings.quiet_start,
                   ChannelSettings.quiet_end)


def make_channels(settings: dict[str, Any]) -> dict[str, Channel]:
    """Every external channel, configured from the settings."""
    loopback = bool(settings["ALLOW_LOOPBACK_WEBHOOKS"])
    timeout = float(settings["WEBHOOK_TIMEOUT"])
    return {
        "email": EmailChannel(settings["SMTP_HOST"], int(settings["SMTP_PORT"]),
                              settings["SMTP_FROM"], timeout=float(settings["SMTP_TIMEOUT"])),
        "sms": SmsChannel(make_provider(settings)),
        "webhook": WebhookChannel(allow_loopback=loopback, timeout=timeout),
        "wecom": WeComRobot(allow_loopback=loopback, timeout=timeout),
        "dingtalk": DingTalkRobot(allow_loopback=loopback, timeout=timeout),
    }


@dataclass
class Job:
    """Claimed deliveries sent in one call (one delivery, or a robot batch)."""

    deliveries: list[Delivery]
    message: OutgoingMessage
    key: str
    #: Of the event that caused the alert: logged with the send.
    correlation_id: str | None = None


def backoff(failures: int) -> timedelta:
    """Wait before retrying after `failures` transient failures: 5 s doubling, at most 5 min."""
    return timedelta(seconds=min(300, 5 * 2 ** max(failures - 1, 0)))


class Deliverer:
    """One delivery worker; run several (threads or processes) against the same database."""

    def __init__(
        self, settings: dict[str, Any], session_factory: sessionmaker[Session],
        channels: dict[str, Channel] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.channels = channels if channels is not None else make_channels(settings)
        self.vault = Vault(settings)
        self.clock = clock
        self.lease = timedelta(seconds=float(settings["DELIVERY_LEASE_SECONDS"]))
        self.max_attempts = int(settings["DELIVERY_MAX_ATTEMPTS"])
        self.batch_size = int(settings["DELIVERY_BATCH_SIZE"])
        self.threads = max(1, int(settings["DELIVERY_THREADS"]))
        self.rate_per_minute = int(settings["ROBOT_RATE_PER_MINUTE"])
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="deliver")
        # Fault injection for the crash tests: die right after the Nth accepted send.
        self._exit_after = int(settings.get("FAULT_EXIT_AFTER_SENDS") or 0)
        self._sends = 0
        self._lock = threading.Lock()

    # -- claiming ---------------------------------------------------------------------------

    def claim(self) -> tuple[str, list[Delivery]]:
        """Take up to a batch of due deliveries (or ones whose lease ran out) under a lease."""
        now = self.clock()
        token = uuid.uuid4().hex
        due = sa.or_(
            sa.and_(Delivery.status == "pending", Delivery.not_before <= now),
            sa.and_(Delivery.status == "sending", Delivery.lease_until < now),
        )
        candidates = sa.select(Delivery.id).where(due).order_by(Delivery.id).limit(
            self.batch_size
        )
        with self.session_factory() as session, session.begin():
            # The status test is repeated outside the subquery: a concurrent claimer that
            # locked the same rows first makes them fail it (PostgreSQL re-checks on unlock).
            session.execute(
                sa.update(Delivery)
                .where(Delivery.id.in_(candidates.scalar_subquery()), due)
                .values(status="sending", claim_token=token, lease_until=now + self.lease,
                        claims=Delivery.claims + 1)
                .execution_options(synchronize_session=False)
            )
            rows = session.scalars(
                sa.select(Delivery).where(Delivery.claim_token == token).order_by(Delivery.id)
            ).all()
        return token, list(rows)

    # -- one pass ---------------------------------------------------------------------------

    def run_once(self) -> int:
        """Claim and send one batch; return how many deliveries were handled."""
        claimed_at = self.clock()
        token, rows = self.claim()
        if not rows:
            return 0
        # A send may take a whole timeout: none starts in the second half of the lease, so no
        # live worker sends what another worker has taken over after the lease ran out.
        deadline = claimed_at + self.lease / 2
        jobs = self._prepare(token, rows)
        late: list[Job] = []

        def send(job: Job) -> tuple[Job, DeliveryResult, datetime] | None:
            if self.clock() > deadline:
                late.append(job)
                return None
            return self._send(token, job)

        outcomes = [o for o in self._pool.map(send, jobs) if o]
        if late:
            with self.session_factory() as session, session.begin():
                for job in late:
                    for delivery in job.deliveries:
                        self._release(session, token, delivery, self.clock(), delivery.last_error)
        if outcomes:
            try:
                self._record(token, outcomes)
            except Exception:  # noqa: BLE001 - the lease brings the deliveries back later
                log.exception("recording %d deliveries failed", len(outcomes))
        return len(rows)

    def _prepare(self, token: str, rows: list[Delivery]) -> list[Job]:
        now = self.clock()
        jobs: list[Job] = []
        robots: dict[int | None, list[tuple[Delivery, Any]]] = defaultdict(list)
        with self.session_factory() as session, session.begin():
            # Plain rows of the columns a send needs: building ORM objects for a whole batch
            # costs more than the rest of the preparation together.
            notifications = {
                n.id: n for n in session.execute(
                    sa.select(*MESSAGE_COLUMNS).where(
                        Notification.id.in_([r.notification_id for r in rows]))
                )
            }
            volunteer_ids = list({n.volunteer_id for n in notifications.values()})
            people = {
                cs.volunteer_id: cs for cs in session.execute(
                    sa.select(*CONTACT_COLUMNS).where(
                        ChannelSettings.volunteer_id.in_(volunteer_ids))
                )
            }
            targets = {
                t.id: t for t in session.scalars(
                    sa.select(WebhookTarget).where(
                        WebhookTarget.id.in_([r.target_id for r in rows if r.target_id]))
                )
            }
            # A community webhook serves many volunteers: decrypt its secret once per pass.
            secrets = {t.id: self.vault.decrypt(t.secret_ciphertext) for t in targets.values()}
            for row in rows:
                notification = notifications[row.notification_id]
                cs = people.get(notification.volunteer_id)
                release = delivery_release(row.channel, cs, self.settings, now)
                if release > now:
                    # Quiet hours began after the alert was queued: hold it until morning.
                    self._release(session, token, row, release, None)
                    continue
                if row.channel in ROBOT_CHANNELS:
                    robots[row.target_id].append((row, notification))
                    continue
                target = targets.get(row.target_id) if row.target_id else None
                recipient = self._recipient(row.channel, notification, cs, target,
                                            secrets.get(target.id) if target else None)
                jobs.append(Job([row], self._message(notification, recipient),
                                row.idempotency_key, notification.correlation_id))
            for target_id, group in robots.items():
                robot = targets.get(target_id) if target_id is not None else None
                jobs.extend(self._robot_jobs(session, token, robot, group, now))
        return jobs

    def _recipient(self, channel: str, notification: Any, cs: Any,
                   target: WebhookTarget | None, secret: str | None) -> Recipient:
        return Recipient(
            volunteer_id=notification.volunteer_id,
            email=cs.email if cs else None,
            # Only an SMS needs the phone number in clear.
            phone=self.vault.decrypt(cs.phone_ciphertext) if cs and channel == "sms" else None,
            url=target.url if target and target.enabled else None,
            secret=secret,
        )

    @staticmethod
    def _message(notification: Any, recipient: Recipient) -> OutgoingMessage:
        return OutgoingMessage(
            kind=notification.kind, language=notification.language,
            subject=notification.subject, text=notification.body_text,
            markdown=notification.body_markdown, recipient=recipient,
            sms_params=dict(notification.sms_params or {}),
        )

    def _robot_jobs(self, session: Session, token: str, target: WebhookTarget | None,
                    group: list[tuple[Delivery, Any]], now: datetime) -> list[Job]:
        """Batch a robot's alerts into messages within its size limit and rate limit."""
        recipient = Recipient(
            url=target.url if target and target.enabled else None,
            secret=self.vault.decrypt(target.secret_ciphertext) if target else None,
        )
        limit = self.channels[group[0][0].channel].limit  # type: ignore[attr-defined]
        # Deliveries batched before a crash keep their batch (and its key).
        batches: dict[str, list[tuple[Delivery, Any]]] = defaultdict(list)
        fresh = [pair for pair in group if not pair[0].batch_key]
        for pair in group:
            if pair[0].batch_key:
                batches[pair[0].batch_key].append(pair)
        for indexes in join_batch([n.body_markdown for _, n in fresh], limit, BATCH_SEPARATOR):
            members = [fresh[i] for i in indexes]
            key = f"linli-b{members[0][0].target_id}-{members[0][0].id}-{len(members)}"
            for delivery, _ in members:
                delivery.batch_key = key
                session.execute(sa.update(Delivery).where(Delivery.id == delivery.id)
                                .values(batch_key=key))
            batches[key] = members
        jobs = []
        for key, members in batches.items():
            if target is not None and not self._take_slot(session, target.id, now):
                next_minute = datetime.fromtimestamp((int(now.timestamp()) // 60 + 1) * 60,
                                                     now.tzinfo)
                for delivery, _ in members:
                    self._release(session, token, delivery, next_minute, None)
                continue
            first = members[0][1]
            markdown = BATCH_SEPARATOR.join(n.body_markdown for _, n in members)
            extra = len(members) - 1
            subject = f"{first.subject} (+{extra})" if extra else first.subject
            message = OutgoingMessage(
                kind="batch" if len(members) > 1 else first.kind, language=first.language,
                subject=subject, text=markdown, markdown=markdown, recipient=recipient,
            )
            jobs.append(Job([d for d, _ in members], message, key, first.correlation_id))
        return jobs

    def _take_slot(self, session: Session, target_id: int, now: datetime) -> bool:
        """Count one message against the robot's current minute; False when it is full."""
        table = table_of(RobotRate)
        insert = (postgresql_insert if session.get_bind().dialect.name == "postgresql"
                  else sqlite_insert)(table).values(target_id=target_id,
                                                    window=int(now.timestamp()) // 60, count=1)
        # One statement, so workers racing for the same minute never collide on the key.
        statement = insert.on_conflict_do_update(
            index_elements=["target_id", "window"], set_={"count": table.c.count + 1},
            where=table.c.count < self.rate_per_minute,
        ).returning(table.c.count)
        return session.execute(statement).first() is not None

    def _release(self, session: Session, token: str, delivery: Delivery, when: datetime,
                 error: str | None) -> None:
        session.execute(
            sa.update(Delivery)
            .where(Delivery.id == delivery.id, Delivery.claim_token == token)
            .values(status="pending", not_before=when, lease_until=None, claim_token=None,
                    last_error=error)
        )

    # -- sending ----------------------------------------------------------------------------

    def _send(
        self, token: str, job: Job
    ) -> tuple[Job, DeliveryResult, datetime] | None:
        """Send one job; return its outcome when recording waits for the end of the pass."""
        with logs.correlation(job.correlation_id):
            return self._send_in_context(token, job)

    def _send_in_context(
        self, token: str, job: Job
    ) -> tuple[Job, DeliveryResult, datetime] | None:
        channel = self.channels.get(job.deliveries[0].channel)
        started = self.clock()
        if channel is None:
            result = DeliveryResult(PERMANENT, error="channel not configured")
        else:
            try:
                result = channel.send(job.message, job.key)
            except Exception as exc:  # noqa: BLE001 - one bad send must not stop the others
                log.exception("channel %s failed on delivery %s", job.deliveries[0].channel,
                              job.deliveries[0].id)
                result = DeliveryResult(TRANSIENT, error=type(exc).__name__)
        for delivery in job.deliveries:
            metrics.DELIVERIES.labels(delivery.channel, result.status).inc()
            log.info("delivery %s on %s: %s", delivery.id, delivery.channel, result.status,
                     extra={"delivery_id": delivery.id, "channel": delivery.channel,
                            "outcome": result.status,
                            "notification_id": delivery.notification_id})
        if result.ok:
            self._maybe_crash()
        if job.deliveries[0].channel in IDEMPOTENT_CHANNELS:
            return job, result, started
        try:
            self._record(token, [(job, result, started)])
        except Exception:  # noqa: BLE001 - the lease brings the delivery back later
            log.exception("recording delivery %s failed", job.deliveries[0].id)
        return None

    def _maybe_crash(self) -> None:
        if not self._exit_after:
            return
        with self._lock:
            self._sends += 1
            if self._sends >= self._exit_after:
                log.warning("fault injection: exiting after %d accepted sends", self._sends)
                os.kill(os.getpid(), signal.SIGKILL)

    def _record(
        self, token: str, outcomes: list[tuple[Job, DeliveryResult, datetime]]
    ) -> None:
        """Record attempts and new states in one transaction (sent ones in bulk)."""
        now = self.clock()
        attempts: list[dict[str, Any]] = []
        sent: list[int] = []
        unsent: list[tuple[Delivery, DeliveryResult]] = []
        for job, result, started in outcomes:
            for delivery in job.deliveries:
                attempts.append({
                    "delivery_id": delivery.id, "idempotency_key": job.key,
                    "status": result.status, "error": result.error,
                    "provider_message_id": result.provider_message_id,
                    "started_at": started, "finished_at": now,
                })
                if result.ok:
                    sent.append(delivery.id)
                else:
                    unsent.append((delivery, result))
        with self.session_factory() as session, session.begin():
            # A Core insert: the ORM's bulk path costs more per row and adds nothing here.
            session.execute(sa.insert(table_of(DeliveryAttempt)), attempts)
            for start in range(0, len(sent), 500):
                # Only rows this worker still holds: a lease taken over meanwhile is not ours.
                session.execute(
                    sa.update(Delivery)
                    .where(Delivery.id.in_(sent[start:start + 500]),
                           Delivery.claim_token == token)
                    .values(status="sent", sent_at=now, last_error=None, lease_until=None,
                            claim_token=None)
                    .execution_options(synchronize_session=False)
                )
            for delivery, result in unsent:
                self._record_failure(session, token, delivery, result, now)

    def _record_failure(self, session: Session, token: str, delivery: Delivery,
                        result: DeliveryResult, now: datetime) -> None:
        failures = delivery.failures + 1
        values: dict[str, Any]
        if result.status == TRANSIENT and failures < self.max_attempts:
            values = {"status": "pending", "not_before": now + backoff(failures)}
        else:
            values = {"status": "failed"}
        updated = rowcount(session.execute(
            sa.update(Delivery)
            .where(Delivery.id == delivery.id, Delivery.claim_token == token)
            .values(**values, failures=failures, last_error=result.error, lease_until=None,
                    claim_token=None)
            .execution_options(synchronize_session=False)
        ))
        if updated and values["status"] == "pending":
            metrics.RETRIES.labels(delivery.channel).inc()
        if updated and values["status"] == "failed":
            metrics.DEAD_LETTERS.labels(delivery.channel).inc()
            log.warning("delivery %s on %s failed for good: %s", delivery.id, delivery.channel,
                        result.error)
            fall_back(session, delivery, self.settings, now)

    def close(self) -> None:
        """Stop the sending threads."""
        self._pool.shutdown(wait=True)

