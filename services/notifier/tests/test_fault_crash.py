"""Fault test: 2,000 alerts through real Redis while the worker is SIGKILLed twice mid-delivery.

The worker (`python -m notifier worker`) runs as a subprocess. The first kill comes from inside
it, right after a webhook sink accepted a message and before the delivery was recorded (the
worst moment); the second is a SIGKILL from outside while deliveries are in flight. A poison
message sits in the middle of the queue. The checker (`tests/reliability/checker.py`)
classifies every expected alert (one digest per volunteer) by the idempotency keys the sink saw:

- raw receipts: every POST, repeats included;
- effective alerts: distinct idempotency keys, which is what a receiver honouring
  `Idempotency-Key` (as the webhook contract requires) acts on.

A volunteer with no key is lost; with two different keys, duplicated. A key received twice is a
retry after a crash between "accepted" and "recorded": one effective alert, counted in raw.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa
from kombu import Producer
from notifier_factories import assigned, published
from reliability.checker import classify, webhook_receipts

from linli_contracts import topology
from linli_contracts.outbox import publish_envelope
from notifier.db import make_engine, session_factory
from notifier.migrate import upgrade
from notifier.models import ChannelSettings, Delivery, WebhookTarget

VOLUNTEERS = 2000
PHONE = "139{:08d}"


def seed(database_url: str, sink_url: str) -> None:
    """2,000 volunteers who chose the webhook channel (phones stored, never the channel)."""
    from notifier import config  # noqa: PLC0415
    from notifier.crypto import Vault  # noqa: PLC0415

    vault = Vault(config.defaults())
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    with session_factory(engine)() as session, session.begin():
        target = WebhookTarget(kind="webhook", name="sink", url=sink_url + "/hook",
                               secret_ciphertext=vault.encrypt("hook-secret"), community_id=7,
                               enabled=True, created_at=now)
        session.add(target)
        session.flush()
        session.add_all(
            ChannelSettings(
                volunteer_id=v, community_id=7, language="zh-CN", channels=["webhook", "sms"],
                consents={"webhook": now.isoformat(), "sms": now.isoformat()},
                webhook_target_id=target.id, phone_ciphertext=vault.encrypt(PHONE.format(v)),
                phone_masked="139****" + PHONE.format(v)[-4:],
                calendar_secret=f"cal-{v}", updated_at=now,
            )
            for v in range(1, VOLUNTEERS + 1)
        )
    engine.dispose()


def publish_all(broker_url: str) -> None:
    """2,000 assignments, a poison message in the middle, then the announcement."""
    conn = topology.connection(broker_url)
    with conn:
        topology.declare_all(conn)
        producer = Producer(conn)
        for v in range(1, VOLUNTEERS + 1):
            envelope = assigned(v, v, plan_id=9, version=1)
            publish_envelope(producer, envelope, type_=envelope.type, message_id=envelope.id)
            if v == VOLUNTEERS // 2:
                # Garbage carrying a phone number: must be dead-lettered, never logged.
                producer.publish(
                    f'{{"not an envelope": "{PHONE.format(4242)}"'.encode(),
                    exchange=topology.events_exchange(), routing_key="assignment.assigned",
                    content_type="application/json", content_encoding="utf-8",
                    headers={"message_id": "poison", "type": "assignment.assigned"},
                )
        announcement = published(9, 1, VOLUNTEERS)
        publish_envelope(producer, announcement, type_=announcement.type,
                         message_id=announcement.id)


def start_worker(env: dict[str, str], log: Path, **extra: str) -> subprocess.Popen[bytes]:
    """`python -m notifier worker` with stderr captured in `log`."""
    handle = open(log, "ab")  # noqa: SIM115 - kept open for the child's lifetime
    return subprocess.Popen(
        [sys.executable, "-m", "notifier", "worker"], env={**env, **extra},
        stdout=handle, stderr=subprocess.STDOUT,
    )


def wait_for(condition: Any, timeout: float, what: str) -> None:
    """Poll `condition` until true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def test_two_sigkills_during_delivery_lose_and_duplicate_nothing(
    quick_redis: str, http_sink: Any, tmp_path: Path
) -> None:
    redis_url = quick_redis
    database_url = f"sqlite:///{tmp_path / 'notifier.db'}"
    upgrade(database_url)
    seed(database_url, http_sink.url)
    publish_all(redis_url)
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "BROKER_URL": redis_url,
        "LOG_LEVEL": "INFO",
        "NOTIFIER_DATABASE_URL": database_url,
        "NOTIFIER_ALLOW_LOOPBACK_WEBHOOKS": "1",
        "NOTIFIER_DELIVERY_LEASE_SECONDS": "3",
        "NOTIFIER_POLL_INTERVAL": "0.1",
        "NOTIFIER_SMS_OUTBOX_PATH": str(tmp_path / "sms.log"),
    }
    engine = make_engine(database_url)

    def unfinished() -> int:
        with engine.connect() as conn:
            return int(conn.scalar(sa.select(sa.func.count()).select_from(Delivery).where(
                Delivery.status.in_(["pending", "sending"]))))

    def delivered_rows() -> int:
        with engine.connect() as conn:
            return int(conn.scalar(sa.select(sa.func.count()).select_from(Delivery)))

    # Kill 1: the worker kills itself right after the sink accepted its 300th message.
    worker = start_worker(env, log, NOTIFIER_FAULT_EXIT_AFTER_SENDS="300")
    assert worker.wait(60) == -signal.SIGKILL
    assert len(http_sink.receipts) >= 300

    # Kill 2: SIGKILL from outside while deliveries are in flight.
    worker = start_worker(env, log)
    before = len(http_sink.receipts)
    wait_for(lambda: len(http_sink.receipts) >= before + 500, 30, "deliveries to resume")
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)

    # Third run: everything left (including the leases of the killed run) goes out.
    worker = start_worker(env, log)
    try:
        wait_for(lambda: delivered_rows() == VOLUNTEERS and unfinished() == 0, 40,
                 "every delivery to finish")
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0
    engine.dispose()

    report = classify(range(1, VOLUNTEERS + 1), webhook_receipts(http_sink.receipts))
    print("\nfault-test checker:", json.dumps(report.summary()))
    assert not report.lost
    assert not report.duplicated
    assert not report.unexpected
    assert report.effective_receipts == VOLUNTEERS
    # Raw repeats are only retries of an accepted-but-unrecorded send, under the same key.
    assert report.raw_receipts >= VOLUNTEERS + 1

    client = redis.Redis.from_url(redis_url)
    assert client.llen("notifier.events.dead") == 1
    assert client.llen("notifier.events") == 0
    client.close()

    text = log.read_text(encoding="utf-8", errors="replace")
    assert "dead-letters undecodable message" in text
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text), "a full phone number was logged"
