"""Queue entry point: the contracts' consumer base with the notifier's event handler.

`NotifierConsumer` handles one message per transaction. `BatchingConsumer` takes up to
`CONSUMER_BATCH` messages into one transaction, with the same guarantees: inbox rows written
with the effects, acks only after the commit. kombu hands over one message per Redis round
trip; once one has arrived, the rest of the batch is taken and later acked with one round trip
each (`linli_contracts.batch`, which keeps kombu's unacked records). If a batch fails, each of
its messages is handled again on its own through the base class, so retries, back-off and
dead-lettering work per message exactly as before. On RabbitMQ there is nothing to take at
once: the broker pushes up to `CONSUMER_BATCH` unacked messages (the prefetch count), and a
batch is whatever arrived before a pause of `linger` seconds.

`registry.volunteer.changed` events are looked up at the registry before the transaction opens
(no database lock is held during HTTP). A registry that cannot be reached fails the message
before anything is written: it is retried with back-off like any other failure.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
from kombu import Connection, Consumer, Message
from sqlalchemy.orm import Session, sessionmaker

from linli_contracts import topology
from linli_contracts.batch import ack_all, fetch_more
from linli_contracts.consumer import EventConsumer
from linli_contracts.envelope import Envelope, parse_envelope
from linli_contracts.errors import ContractError
from linli_contracts.metrics import CONSUMED
from notifier.contacts import Contacts
from notifier.crypto import Vault
from notifier.events import handle_event, handle_events
from notifier.models import consumer_inbox
from notifier.registry_client import RegistryClient

log = logging.getLogger(__name__)

QUEUE = "notifier.events"


class NotifierConsumer(EventConsumer):
    """Consumes `notifier.events`; each event's effect commits with its inbox row."""

    name = "notifier"
    queues = (QUEUE,)

    def __init__(self, connection: Connection, session_factory: sessionmaker[Session],
                 settings: dict[str, Any], *, registry: RegistryClient | None = None) -> None:
        super().__init__(
            connection, session_factory, consumer_inbox,
            max_attempts=int(settings["CONSUMER_MAX_ATTEMPTS"]),
            retry_delay=float(settings["CONSUMER_RETRY_DELAY"]),
        )
        self.settings = settings
        self.registry = registry or RegistryClient.from_settings(settings)
        self.vault = Vault(settings)
        self._contacts: Contacts | None = None

    def look_up(self, envelopes: list[Envelope]) -> Contacts | None:
        """The registry's records of the volunteers the events name (None: no such event)."""
        payloads = [e.payload for e in envelopes if e.type == "registry.volunteer.changed"]
        if not payloads:
            return None
        return Contacts.look_up(self.registry, self.vault, payloads)

    def _process(self, envelope: Envelope) -> bool:
        # Looked up before the base opens the transaction; a failure here is retried.
        self._contacts = self.look_up([envelope])
        try:
            return super()._process(envelope)
        finally:
            self._contacts = None

    def handle(self, envelope: Envelope, session: Session) -> None:
        """Apply one event (alerts are only queued here; the deliverer sends them)."""
        handle_event(session, envelope, self.settings, contacts=self._contacts)


class BatchingConsumer(NotifierConsumer):
    """Commits many events per transaction; falls back to one by one when a batch fails."""

    def __init__(self, connection: Connection, session_factory: sessionmaker[Session],
                 settings: dict[str, Any], *, batch_size: int = 100,
                 linger: float = 0.02, registry: RegistryClient | None = None) -> None:
        super().__init__(connection, session_factory, settings, registry=registry)
        self.batch_size = batch_size
        self.linger = linger
        self._buffer: list[tuple[str, Message]] = []
        self._last = time.monotonic()

    def get_consumers(  # noqa: N803 - kombu's name for the factory
        self, Consumer: Callable[..., Consumer], channel: Any
    ) -> list[Consumer]:
        """One consumer per queue, prefetching a batch."""
        # The mixin passes a Consumer class already bound to the channel.
        return [
            Consumer(  # type: ignore[call-arg]
                queues=[topology.queue_for(queue)], on_message=partial(self._collect, queue),
                prefetch_count=self.batch_size, accept=["json"])
            for queue in self.queues
        ]

    def run(self, _tokens: int = 1, **kwargs: Any) -> None:
        """Consume until stopped, waking every `linger` seconds to commit a partial batch."""
        kwargs.setdefault("safety_interval", self.linger)
        super().run(_tokens, **kwargs)

    @contextmanager
    def consumer_context(self, **kwargs: Any) -> Iterator[Any]:
        """The base context, committing what is buffered before the connection closes."""
        with super().consumer_context(**kwargs) as context:
            try:
                yield context
            finally:
                if self._buffer:
                    self._flush()

    def on_iteration(self) -> None:
        """Between reads: commit the buffer once no message came for `linger` seconds."""
        if self._buffer and time.monotonic() - self._last >= self.linger:
            self._flush()

    def _collect(self, queue: str, message: Message) -> None:
        if self.should_stop:
            return  # arrived while stopping: unacked, given back when the channel closes
        self._buffer.append((queue, message))
        room = self.batch_size - len(self._buffer)
        self._buffer.extend(
            (queue, more) for more in fetch_more(message.channel, queue, room, message.accept))
        self._last = time.monotonic()
        if len(self._buffer) >= self.batch_size:
            self._flush()

    def _flush(self) -> None:
        batch, self._buffer = self._buffer, []
        parsed: list[tuple[str, Message, Envelope]] = []
        for queue, message in batch:
            try:
                parsed.append((queue, message, parse_envelope(message.body)))
            except ContractError:
                self._on_message(queue, message)  # the base dead-letters it, body unlogged
        if not parsed:
            return
        try:
            self._process_batch([envelope for _, _, envelope in parsed])
        except Exception as exc:  # noqa: BLE001 - each message gets its own chance below
            log.warning("batch of %d messages failed (%s); handling them one by one",
                        len(parsed), type(exc).__name__)
            for queue, message, _ in parsed:
                self._on_message(queue, message)
            return
        ack_all(message for _, message, _ in parsed)
        CONSUMED.labels(self.name, "processed").inc(len(parsed))
        log.info("consumer %s processed a batch of %d messages", self.name, len(parsed))

    def _process_batch(self, envelopes: list[Envelope]) -> None:
        """Run every new message's handler and record its id, all in one transaction."""
        inbox = self.inbox
        contacts = self.look_up(envelopes)
        with self.session_factory() as session, session.begin():
            seen = set(session.scalars(
                sa.select(inbox.c.message_id).where(
                    inbox.c.consumer == self.name,
                    inbox.c.message_id.in_([e.id for e in envelopes]))
            ))
            fresh: list[Envelope] = []
            for envelope in envelopes:
                if envelope.id not in seen:
                    seen.add(envelope.id)
                    fresh.append(envelope)
            if not fresh:
                return
            # Inbox rows first, in one statement: a concurrent consumer holding the same id
            # collides here, and the batch falls back to one by one.
            now = datetime.now(UTC)
            session.execute(inbox.insert(), [
                {"consumer": self.name, "message_id": e.id, "type": e.type, "processed_at": now}
                for e in fresh
            ])
            handle_events(session, fresh, self.settings, contacts=contacts)


def make_consumer(connection: Connection, session_factory: sessionmaker[Session],
                  settings: dict[str, Any]) -> NotifierConsumer:
    """A batching consumer, or the one-at-a-time one when `CONSUMER_BATCH` is 1."""
    size = int(settings["CONSUMER_BATCH"])
    if size <= 1:
        return NotifierConsumer(connection, session_factory, settings)
    return BatchingConsumer(connection, session_factory, settings, batch_size=size)
