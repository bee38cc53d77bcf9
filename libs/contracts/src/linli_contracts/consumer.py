"""Consumer base: inbox de-duplication, ack after commit, retries and dead-lettering.

A service subclasses `EventConsumer` and implements `handle(envelope, session)`; the base does
the rest for every message:

- decode and validate it; an undecodable or invalid message goes to `<queue>.dead` at once;
- in one database transaction, record its id in the inbox and run the handler; commit; only
  then ack. An id already in the inbox is acked without running the handler;
- on failure, decide by `DECISIONS`: dead-letter at once, or requeue with back-off and
  dead-letter after `max_attempts` deliveries.

How a retry and a dead-letter happen depends on the broker (`topology.counts_deliveries`). On
RabbitMQ the message itself goes back (`reject` with requeue), the quorum queue counts its
deliveries (`x-delivery-count`, which also counts deliveries to consumers that died), and a
dead-letter is a `reject` without requeue that the broker routes to `<queue>.dead`, keeping
the message until that queue has it. Redis keeps no count: a retry is a copy carrying an
incremented attempts header, published before the original is acked, and a dead-letter is a
copy published to `<queue>.dead` the same way.

Log lines carry the message id, type, queue and error, never the body (it holds personal data).
"""

from __future__ import annotations

import hashlib
import logging
import signal
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import sqlalchemy as sa
from kombu import Connection, Message
from kombu import Consumer as KombuConsumer
from kombu.mixins import ConsumerProducerMixin
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from linli_contracts import topology
from linli_contracts.envelope import Envelope, parse_envelope
from linli_contracts.errors import ContractError, PermanentError
from linli_contracts.inbox import already_processed, mark_processed
from linli_contracts.logs import correlation
from linli_contracts.metrics import CONSUMED
from linli_contracts.outbox import DEFAULT_RETRY_POLICY

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-linli-attempts"
#: Deliveries before this one, counted by a RabbitMQ quorum queue.
DELIVERY_COUNT_HEADER = "x-delivery-count"
ERROR_HEADER = "x-linli-error"
QUEUE_HEADER = "x-linli-queue"

RETRY = "retry"
DEAD_LETTER = "dead-letter"

#: Exception class -> what the consumer does; the first matching row wins, anything else is
#: retried (a bug may be a race; after `max_attempts` it is dead-lettered all the same).
DECISIONS: tuple[tuple[type[BaseException], str], ...] = (
    (ContractError, DEAD_LETTER),
    (PermanentError, DEAD_LETTER),
)


def decide(exc: BaseException) -> str:
    """Whether a handler failure is retried or dead-lettered at once."""
    for kind, decision in DECISIONS:
        if isinstance(exc, kind):
            return decision
    return RETRY


def _attempts(message: Message) -> int:
    """Failed deliveries so far: our own header (Redis) plus the broker's count (RabbitMQ)."""
    headers = message.headers or {}
    total = 0
    for name in (ATTEMPTS_HEADER, DELIVERY_COUNT_HEADER):
        try:
            total += max(0, int(headers.get(name, 0)))
        except (TypeError, ValueError):
            continue
    return total


def _fingerprint(body: Any) -> str:
    raw = body if isinstance(body, bytes) else str(body).encode("utf-8", "replace")
    return hashlib.sha256(raw).hexdigest()[:16]


def _describe(exc: BaseException) -> str:
    """Error class and the first line of its message, without SQL parameters or row values."""
    if isinstance(exc, StatementError) and exc.orig is not None:
        # str() of a SQLAlchemy error carries the statement's parameters: personal data.
        inner: BaseException = exc.orig
        text = f"{type(exc).__name__}: {type(inner).__name__}: {str(inner).strip()}"
    else:
        text = f"{type(exc).__name__}: {str(exc).strip()}"
    return text.splitlines()[0][:300]


class EventConsumer(ConsumerProducerMixin):
    """Base of every queue consumer; subclasses implement `handle`."""

    #: Consumer name recorded in the inbox; subclasses set it or pass `name=`.
    name: str = ""
    #: Queues to consume (names from `linli_contracts.topology`).
    queues: tuple[str, ...] = ()

    def __init__(
        self,
        connection: Connection,
        session_factory: Callable[[], Session],
        inbox: sa.Table,
        *,
        name: str | None = None,
        queues: tuple[str, ...] | list[str] | None = None,
        max_attempts: int = topology.MAX_DELIVERIES,
        retry_delay: float = 0.5,
        max_retry_delay: float = 30.0,
        prefetch_count: int = 1,
    ) -> None:
        self.connection = connection
        self.session_factory = session_factory
        self.inbox = inbox
        self.name = name or self.name or type(self).__name__
        self.queues = tuple(queues or self.queues)
        if not self.queues:
            raise ValueError("an EventConsumer needs at least one queue")
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.prefetch_count = prefetch_count
        self._stopping = threading.Event()

    # -- to implement -------------------------------------------------------------------------

    def handle(self, envelope: Envelope, session: Session) -> None:
        """Apply the message's effect inside `session`'s open transaction (no commit)."""
        raise NotImplementedError

    # -- kombu wiring -------------------------------------------------------------------------

    def get_consumers(  # noqa: N803 - kombu's name for the factory
        self, Consumer: Callable[..., KombuConsumer], channel: Any
    ) -> list[KombuConsumer]:
        """One consumer per queue, reading raw bodies (kombu never deserialises them)."""
        return [
            Consumer(
                queues=[topology.queue_for(queue)],
                on_message=partial(self._on_message, queue),
                prefetch_count=self.prefetch_count,
                accept=["json"],
            )
            for queue in self.queues
        ]

    def on_decode_error(self, message: Message, exc: Exception) -> None:
        """Dead-letter a message kombu could not decode, logging its id but not its body."""
        queue = self._queue_of(message)
        self._reject(queue, message, f"DecodeError: {type(exc).__name__}", _attempts(message))

    def run(self, _tokens: int = 1, **kwargs: Any) -> None:
        """Consume until stopped; an unexpected error is logged and consuming resumes."""
        while not self.should_stop:
            try:
                super().run(_tokens, **kwargs)
            except Exception:  # noqa: BLE001 - the process must outlive any one failure
                log.exception("consumer %s loop failed; resuming", self.name)
                self._stopping.wait(1.0)

    def stop(self) -> None:
        """Ask the loop to stop after the current message is finished and acked."""
        self.should_stop = True
        self._stopping.set()

    def install_signal_handlers(self) -> None:
        """Stop gracefully on SIGTERM and SIGINT (call from the main thread)."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stop())

    # -- one message --------------------------------------------------------------------------

    def _on_message(self, queue: str, message: Message) -> None:
        if self.should_stop:
            # Delivered after a stop request (py-amqp hands over deliveries that arrive while
            # it waits for the cancel to be confirmed): left unacked, the broker gives it back
            # when the channel closes.
            return
        attempts = _attempts(message)
        try:
            envelope = parse_envelope(message.body)
        except ContractError as exc:
            self._reject(queue, message, _describe(exc), attempts)
            return
        # Log lines of the handler and events it emits carry the message's correlation id.
        with correlation(envelope.correlation_id):
            self._on_envelope(queue, message, envelope, attempts)

    def _on_envelope(self, queue: str, message: Message, envelope: Envelope,
                     attempts: int) -> None:
        try:
            duplicate = self._process(envelope)
        except Exception as exc:  # noqa: BLE001 - every failure is retried or dead-lettered
            self._failed(queue, message, envelope, exc, attempts)
            return
        # Only now, after the commit, is the message acknowledged.
        message.ack()
        CONSUMED.labels(self.name, "duplicate" if duplicate else "processed").inc()
        log.info(
            "consumer %s %s message %s (%s)",
            self.name, "skipped duplicate" if duplicate else "processed", envelope.id,
            envelope.type,
        )

    def _process(self, envelope: Envelope) -> bool:
        """Run the handler and record the id in one transaction; True if already processed."""
        with self.session_factory() as session:
            try:
                with session.begin():
                    if already_processed(session, self.inbox, self.name, envelope.id):
                        return True
                    mark_processed(session, self.inbox, self.name, envelope)
                    self.handle(envelope, session)
            except IntegrityError:
                # Either a concurrent delivery of the same id won the race, or the handler hit
                # a constraint of its own: the inbox tells which.
                with session.begin():
                    if already_processed(session, self.inbox, self.name, envelope.id):
                        return True
                raise
        return False

    def _failed(
        self, queue: str, message: Message, envelope: Envelope, exc: Exception, attempts: int
    ) -> None:
        attempts += 1
        reason = _describe(exc)
        if decide(exc) == DEAD_LETTER or attempts >= self.max_attempts:
            log.error(
                "consumer %s dead-letters message %s (%s) after %d attempt(s): %s",
                self.name, envelope.id, envelope.type, attempts, reason,
            )
            CONSUMED.labels(self.name, "dead_lettered").inc()
            self._dead_letter(queue, message, reason, attempts)
            return
        CONSUMED.labels(self.name, "retried").inc()
        delay = min(self.max_retry_delay, self.retry_delay * 2 ** (attempts - 1))
        log.warning(
            "consumer %s requeues message %s (%s), attempt %d of %d, in %.1f s: %s",
            self.name, envelope.id, envelope.type, attempts, self.max_attempts, delay, reason,
        )
        # Waiting here holds back this consumer only; a stop request cuts the wait short.
        self._stopping.wait(delay)
        if topology.counts_deliveries(message.channel):
            message.requeue()
            return
        self._republish(
            message,
            exchange="",
            routing_key=queue,
            declare=[topology.queue_for(queue)],
            headers={ATTEMPTS_HEADER: attempts, ERROR_HEADER: reason},
        )
        message.ack()

    def _reject(self, queue: str, message: Message, reason: str, attempts: int) -> None:
        props = message.properties or {}
        headers = message.headers or {}
        log.error(
            "consumer %s dead-letters undecodable message id=%s type=%s sha256=%s on %s: %s",
            self.name,
            props.get("message_id") or headers.get("message_id"),
            headers.get("type"),
            _fingerprint(message.body),
            queue,
            reason,
        )
        CONSUMED.labels(self.name, "dead_lettered").inc()
        self._dead_letter(queue, message, reason, attempts)

    def _dead_letter(self, queue: str, message: Message, reason: str, attempts: int) -> None:
        if topology.counts_deliveries(message.channel):
            # The queue's dead-letter exchange takes it, recording queue and reason in
            # `x-death`; the error itself is in the log line above.
            message.reject(requeue=False)
            return
        dead = topology.dead_letter_queue_for(queue)
        self._republish(
            message,
            exchange=topology.dead_letter_exchange(),
            routing_key=dead.routing_key,
            declare=[dead],
            headers={ATTEMPTS_HEADER: attempts, ERROR_HEADER: reason, QUEUE_HEADER: queue},
        )
        message.ack()

    def _republish(self, message: Message, **kwargs: Any) -> None:
        headers = {**(message.headers or {}), **kwargs.pop("headers")}
        props = message.properties or {}
        extra = {k: props[k] for k in ("message_id", "correlation_id") if props.get(k)}
        self.producer.publish(
            message.body,
            content_type=message.content_type or "application/octet-stream",
            content_encoding=message.content_encoding or "binary",
            delivery_mode=2,
            headers=headers,
            retry=True,
            retry_policy=DEFAULT_RETRY_POLICY,
            **extra,
            **kwargs,
        )

    def _queue_of(self, message: Message) -> str:
        key = (message.delivery_info or {}).get("routing_key")
        for queue in self.queues:
            if key == queue or key in topology.EVENT_QUEUES.get(queue, ()):
                return queue
        return self.queues[0]
