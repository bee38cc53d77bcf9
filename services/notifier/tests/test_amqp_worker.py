"""The notifier worker on RabbitMQ: `python -m notifier worker` takes a published plan's events
from the quorum queue (in batches, through kombu's ordinary consumption: the Redis batch fetch
takes nothing there), sends one SMS digest per volunteer to the file provider, and a poison
message goes to the dead-letter queue without its body being logged."""

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

import pytest
import sqlalchemy as sa
from kombu import Producer
from notifier_factories import assigned, published

from linli_contracts import topology
from linli_contracts.outbox import publish_envelope
from notifier.db import make_engine, session_factory
from notifier.migrate import upgrade
from notifier.models import ChannelSettings, Delivery

pytestmark = pytest.mark.slow
VOLUNTEERS = 12
PHONE = "139{:08d}"


def _seed(database_url: str) -> None:
    from notifier import config  # noqa: PLC0415
    from notifier.crypto import Vault  # noqa: PLC0415

    vault = Vault(config.defaults())
    now = datetime.now(UTC)
    engine = make_engine(database_url)
    with session_factory(engine)() as session, session.begin():
        session.add_all(
            ChannelSettings(
                volunteer_id=v, community_id=7, language="zh-CN", channels=["sms"],
                consents={"sms": now.isoformat()},
                phone_ciphertext=vault.encrypt(PHONE.format(v)),
                phone_masked="139****" + PHONE.format(v)[-4:],
                calendar_secret=f"cal-{v}", updated_at=now,
            )
            for v in range(1, VOLUNTEERS + 1)
        )
    engine.dispose()


def _publish(broker_url: str) -> None:
    with topology.connection(broker_url) as conn:
        producer = Producer(conn)
        for v in range(1, VOLUNTEERS + 1):
            envelope = assigned(v, v, plan_id=9, version=1)
            publish_envelope(producer, envelope, type_=envelope.type, message_id=envelope.id)
            if v == VOLUNTEERS // 2:
                producer.publish(
                    f'{{"not an envelope": "{PHONE.format(4242)}"'.encode(),
                    exchange=topology.events_exchange(), routing_key="assignment.assigned",
                    content_type="application/json", content_encoding="utf-8",
                    headers={"message_id": "poison", "type": "assignment.assigned"},
                    declare=topology.all_queues(),
                )
        announcement = published(9, 1, VOLUNTEERS)
        publish_envelope(producer, announcement, type_=announcement.type,
                         message_id=announcement.id)


def _queued(broker_url: str, queue: object) -> int:
    with topology.connection(broker_url) as conn, conn.channel() as channel:
        return int(queue(channel).queue_declare().message_count)  # type: ignore[operator]


def test_the_worker_delivers_a_plan_s_alerts_from_rabbitmq(amqp_url: str, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'notifier.db'}"
    upgrade(database_url)
    _seed(database_url)
    _publish(amqp_url)
    sms = tmp_path / "sms.log"
    log = tmp_path / "worker.log"
    env = {**os.environ, "BROKER_URL": amqp_url, "LOG_LEVEL": "INFO",
           "NOTIFIER_DATABASE_URL": database_url, "NOTIFIER_POLL_INTERVAL": "0.1",
           "NOTIFIER_SMS_OUTBOX_PATH": str(sms), "PYTHONUNBUFFERED": "1",
           # No quiet hours: SMS created at night (Asia/Shanghai) would wait until morning.
           "NOTIFIER_QUIET_START": "00:00", "NOTIFIER_QUIET_END": "00:00"}
    with open(log, "wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "notifier", "worker"], env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    engine = make_engine(database_url)

    def sent() -> int:
        with engine.connect() as conn:
            return int(conn.scalar(sa.select(sa.func.count()).select_from(Delivery).where(
                Delivery.status == "sent")))

    try:
        deadline = time.monotonic() + 60
        while sent() < VOLUNTEERS and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(30)
    text = log.read_text(errors="replace")
    assert sent() == VOLUNTEERS, text
    assert code == 0, text
    engine.dispose()

    lines = [json.loads(line) for line in sms.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == VOLUNTEERS
    assert len({line["idempotency_key"] for line in lines}) == VOLUNTEERS
    assert sorted(line["phone"][-4:] for line in lines) == sorted(
        PHONE.format(v)[-4:] for v in range(1, VOLUNTEERS + 1))

    queue = topology.queue_for("notifier.events")
    assert _queued(amqp_url, queue) == 0  # everything acked
    assert _queued(amqp_url, topology.dead_letter_queue_for("notifier.events")) == 1
    assert "dead-letters undecodable message id=poison" in text
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text), "a full phone number was logged"
