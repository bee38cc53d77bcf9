"""Process entry points: consumer, deliverer, reminder loop, outbox relay, or all in one."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from linli_contracts import topology
from linli_contracts.outbox import OutboxRelay
from linli_contracts.reconcile import PeriodicReconciliation
from notifier import config
from notifier.consumer import NotifierConsumer, make_consumer
from notifier.contacts import SyncResult, sync_all
from notifier.crypto import Vault
from notifier.db import make_engine, session_factory
from notifier.delivery import Deliverer
from notifier.masking import install_masking
from notifier.migrate import upgrade
from notifier.models import outbox
from notifier.registry_client import RegistryClient
from notifier.remind import housekeeping

log = logging.getLogger("notifier")


class Runtime:
    """Settings, database and a shared stop flag for the worker loops of one process."""

    def __init__(self, overrides: dict[str, Any] | None = None) -> None:
        self.settings = config.load(overrides)
        install_masking(self.settings["LOG_LEVEL"])
        self.engine = make_engine(self.settings["DATABASE_URL"])
        self.sessions = session_factory(self.engine)
        self.stop = threading.Event()
        self.consumer: NotifierConsumer | None = None

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT finish the current work, then stop."""
        def _stop(*_: Any) -> None:
            self.stop.set()
            if self.consumer is not None:
                self.consumer.stop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, _stop)

    def _loop(self, name: str, step: Callable[[], int], idle: float) -> None:
        while not self.stop.is_set():
            try:
                busy = step()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the worker
                log.exception("%s pass failed; retrying", name)
                busy = 0
            if not busy:
                self.stop.wait(idle)

    def consume(self) -> None:
        """Consume events until stopped."""
        connection = topology.connection(
            self.settings["BROKER_URL"],
            visibility_timeout=float(self.settings["VISIBILITY_TIMEOUT"]),
        )
        self.consumer = make_consumer(connection, self.sessions, self.settings)
        if self.stop.is_set():
            return
        try:
            self.consumer.run()
        finally:
            connection.release()

    def deliver(self) -> None:
        """Send due deliveries until stopped."""
        deliverer = Deliverer(self.settings, self.sessions)
        try:
            self._loop("deliver", deliverer.run_once, float(self.settings["POLL_INTERVAL"]))
        finally:
            deliverer.close()

    def remind(self) -> None:
        """Send due reminders and flush stale publications until stopped."""
        self._loop("remind", lambda: sum(housekeeping(self.sessions, self.settings)),
                   max(1.0, float(self.settings["POLL_INTERVAL"])))

    def relay(self) -> None:
        """Publish the outbox (assignment.response events) until stopped; with
        NOTIFIER_RECONCILE_INBOX_URL (the scheduler's database) also publish again what the
        scheduler's inbox never recorded (docs/decisions/0004)."""
        relay = OutboxRelay(self.engine, outbox, self.settings["BROKER_URL"])
        reconciliation = PeriodicReconciliation.from_settings(
            self.settings, self.engine, outbox, self.settings["BROKER_URL"],
            consumer="scheduler", inbox="inbox", queue="scheduler.events")
        if reconciliation is not None:
            reconciliation.start()
        try:
            relay.run(self.stop)
        finally:
            if reconciliation is not None:
                reconciliation.stop()
            relay.close()

    def all(self) -> None:
        """Consumer, deliverer, reminders and relay in one process (threads)."""
        threads = [
            threading.Thread(target=target, name=name, daemon=True)
            for name, target in (("deliver", self.deliver), ("remind", self.remind),
                                 ("relay", self.relay))
        ]
        for thread in threads:
            thread.start()
        self.consume()
        self.stop.set()
        for thread in threads:
            thread.join(30)

    def sync_channels(self) -> SyncResult:
        """Copy every registry volunteer's contact channels (raises RegistryError)."""
        client = RegistryClient.from_settings(self.settings)
        try:
            return sync_all(self.sessions, Vault(self.settings), self.settings, client)
        finally:
            client.close()

    def migrate(self) -> None:
        """Apply the database migrations."""
        upgrade(self.settings["DATABASE_URL"])
