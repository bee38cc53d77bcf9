"""The alert path as separate processes: a producer's outbox and relay, real Redis, the
notifier's consumer and deliverer (`python -m notifier ...`), and a webhook sink.

Every volunteer chose the webhook channel, so each alert is one POST to the sink carrying the
volunteer id and an `Idempotency-Key`; the checker classifies them.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa
from notifier_factories import assigned, published
from reliability.checker import Report, classify, webhook_receipts

from linli_contracts import topology
from linli_contracts.outbox import OutboxRelay, outbox_table, record
from notifier.db import make_engine, session_factory
from notifier.migrate import upgrade
from notifier.models import ChannelSettings, Delivery, WebhookTarget, consumer_inbox

QUEUE = "notifier.events"
PHONE = "139{:08d}"
#: Fast retries for publishes in tests: a black-holed or paused broker is noticed in seconds.
QUICK_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}

_metadata = sa.MetaData()
PRODUCER_OUTBOX = outbox_table(_metadata)


def wait_for(condition: Callable[[], Any], timeout: float, what: str,
             interval: float = 0.05) -> Any:
    """Poll `condition` until truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@dataclass
class NotifierRig:
    """One notifier database with `volunteers` webhook recipients and one producer outbox."""

    workdir: Path
    broker_url: str
    sink_url: str
    volunteers: int = 20
    plan_id: int = 9
    sent: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.database_url = f"sqlite:///{self.workdir / 'notifier.db'}"
        self.producer_url = f"sqlite:///{self.workdir / 'producer.db'}"
        upgrade(self.database_url)
        self.engine = make_engine(self.database_url)
        self.producer = make_engine(self.producer_url)
        _metadata.create_all(self.producer)
        self._seed()

    def _seed(self) -> None:
        from notifier import config  # noqa: PLC0415
        from notifier.crypto import Vault  # noqa: PLC0415

        vault = Vault(config.defaults())
        now = datetime.now(UTC)
        with session_factory(self.engine)() as session, session.begin():
            target = WebhookTarget(kind="webhook", name="sink", url=self.sink_url + "/hook",
                                   secret_ciphertext=vault.encrypt("hook-secret"),
                                   community_id=7, enabled=True, created_at=now)
            session.add(target)
            session.flush()
            session.add_all(
                ChannelSettings(
                    volunteer_id=v, community_id=7, language="zh-CN", channels=["webhook"],
                    consents={"webhook": now.isoformat()}, webhook_target_id=target.id,
                    phone_ciphertext=vault.encrypt(PHONE.format(v)),
                    phone_masked="139****" + PHONE.format(v)[-4:],
                    calendar_secret=f"cal-{v}", updated_at=now,
                )
                for v in range(1, self.volunteers + 1)
            )

    # -- producer side ---------------------------------------------------------------------

    def record_publication(self) -> list[str]:
        """One assignment per volunteer and the announcement, committed to the outbox."""
        envelopes = [assigned(v, v, plan_id=self.plan_id, version=1)
                     for v in range(1, self.volunteers + 1)]
        envelopes.append(published(self.plan_id, 1, self.volunteers))
        with self.producer.begin() as conn:
            for envelope in envelopes:
                record(conn, PRODUCER_OUTBOX, envelope)
        self.sent = list(range(1, self.volunteers + 1))
        return [e.id for e in envelopes]

    def relay(self, broker_url: str | None = None, **options: Any) -> OutboxRelay:
        """A relay on the producer's outbox (publishing through `broker_url` if given)."""
        options.setdefault("retry_policy", QUICK_RETRY)
        return OutboxRelay(self.producer, PRODUCER_OUTBOX, broker_url or self.broker_url,
                           **options)

    def relay_all(self) -> int:
        """Publish every unsent outbox row now."""
        relay = self.relay()
        try:
            total = 0
            while published_now := relay.relay_once():
                total += published_now
            return total
        finally:
            relay.close()

    def unsent(self) -> list[sa.Row[Any]]:
        """Outbox rows not yet published."""
        with self.producer.connect() as conn:
            return list(conn.execute(sa.select(PRODUCER_OUTBOX).where(
                PRODUCER_OUTBOX.c.published_at.is_(None))))

    # -- notifier side ---------------------------------------------------------------------

    def env(self, broker_url: str | None = None, **extra: Any) -> dict[str, str]:
        """Environment of a notifier process."""
        env = {
            **os.environ,
            "BROKER_URL": broker_url or self.broker_url,
            "LOG_LEVEL": "INFO",
            "NOTIFIER_DATABASE_URL": self.database_url,
            "NOTIFIER_ALLOW_LOOPBACK_WEBHOOKS": "1",
            "NOTIFIER_DELIVERY_LEASE_SECONDS": "3",
            "NOTIFIER_POLL_INTERVAL": "0.1",
            "NOTIFIER_SMS_OUTBOX_PATH": str(self.workdir / "sms.log"),
        }
        env.update({f"NOTIFIER_{k}": str(v) for k, v in extra.items()})
        return env

    @staticmethod
    def command(*args: str) -> list[str]:
        """`python -m notifier <args>`."""
        return [sys.executable, "-m", "notifier", *args]

    def inbox_ids(self) -> set[str]:
        """Message ids the notifier's consumer committed."""
        with self.engine.connect() as conn:
            return set(conn.scalars(sa.select(consumer_inbox.c.message_id)))

    def deliveries(self) -> tuple[int, int]:
        """(delivery rows, of which still pending or sending)."""
        with self.engine.connect() as conn:
            total = conn.scalar(sa.select(sa.func.count()).select_from(Delivery))
            open_ = conn.scalar(sa.select(sa.func.count()).select_from(Delivery).where(
                Delivery.status.in_(["pending", "sending"])))
        return int(total or 0), int(open_ or 0)

    def all_alerted(self, sink: Any) -> bool:
        """Every volunteer has an alert and no delivery is still open."""
        total, open_ = self.deliveries()
        seen = {volunteer for volunteer, _ in webhook_receipts(sink.snapshot())}
        return total >= self.volunteers and open_ == 0 and seen >= set(self.sent)

    def report(self, sink: Any) -> Report:
        """The checker's verdict on the alerts the sink received."""
        return classify(self.sent, webhook_receipts(sink.snapshot()))

    def close(self) -> None:
        """Dispose of the engines."""
        self.engine.dispose()
        self.producer.dispose()


class RedisProbe:
    """Reads queue lengths and kombu's unacked records straight from Redis."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=5)

    def queued(self, queue: str = QUEUE) -> int:
        """Messages waiting in the queue."""
        return int(self.client.llen(queue))

    def unacked(self) -> int:
        """Messages delivered to some consumer and not yet acknowledged."""
        return int(self.client.hlen("unacked"))

    def state(self) -> dict[str, Any]:
        """Keys, lengths and kombu's restore mutex, for failure messages."""
        return {"keys": sorted(k.decode() for k in self.client.keys("*")),
                "queued": self.queued(), "unacked": self.unacked(),
                "mutex_ttl": self.client.ttl("unacked_mutex")}

    def dead(self, queue: str = QUEUE) -> int:
        """Messages in the queue's dead-letter queue."""
        return int(self.client.llen(queue + topology.DEAD_SUFFIX))

    def close(self) -> None:
        """Close the connection."""
        self.client.close()


def declare(broker_url: str) -> None:
    """Declare the topology (a consumer declares it too; the producer must not wait for one)."""
    with topology.connection(broker_url) as conn:
        topology.declare_all(conn)
