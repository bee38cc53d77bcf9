"""The deliverer end to end: events in, messages out on real local servers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from notifier_factories import assigned, published

from notifier.crypto import Vault
from notifier.delivery import Deliverer
from notifier.events import handle_event
from notifier.models import ChannelSettings, Delivery, DeliveryAttempt, WebhookTarget

NOON = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
LATE = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai


class Clock:
    """A settable clock for the deliverer."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def person(sessions: Any, settings: dict[str, Any], volunteer_id: int, channels: list[str],
           **values: Any) -> None:
    vault = Vault(settings)
    phone = values.pop("phone", None)
    with sessions() as session, session.begin():
        session.add(ChannelSettings(
            volunteer_id=volunteer_id, language=values.pop("language", "zh-CN"),
            channels=channels, consents={c: "2026-01-01T00:00:00Z" for c in channels},
            phone_ciphertext=vault.encrypt(phone), calendar_secret=f"cal-{volunteer_id}",
            updated_at=NOON, **values,
        ))


def target(sessions: Any, settings: dict[str, Any], kind: str, url: str,
           secret: str | None = None) -> int:
    with sessions() as session, session.begin():
        row = WebhookTarget(kind=kind, name=kind, url=url, enabled=True, created_at=NOON,
                            secret_ciphertext=Vault(settings).encrypt(secret), community_id=7)
        session.add(row)
        session.flush()
        return row.id


def publish(sessions: Any, settings: dict[str, Any], volunteers: list[int], now: datetime,
            plan_id: int = 1) -> None:
    events = [assigned(100 * plan_id + v, v, plan_id=plan_id, day=date(2026, 11, 25))
              for v in volunteers]
    for envelope in [*events, published(plan_id, 1, len(events))]:
        with sessions() as session, session.begin():
            handle_event(session, envelope, settings, now)


def drain(deliverer: Deliverer) -> int:
    total = 0
    while handled := deliverer.run_once():
        total += handled
    return total


def statuses(sessions: Any) -> list[tuple[str, str]]:
    with sessions() as session:
        return [(d.channel, d.status) for d in session.scalars(
            sa.select(Delivery).order_by(Delivery.id))]


def test_email_digest_reaches_smtp_in_each_volunteers_language(
    sessions: Any, settings: dict[str, Any], smtp_sink: Any
) -> None:
    settings.update(SMTP_PORT=smtp_sink.port)
    person(sessions, settings, 1, ["email"], email="a@example.org", display_name="张明")
    person(sessions, settings, 2, ["email"], email="b@example.org", language="en",
           display_name="Li Hua")
    publish(sessions, settings, [1, 2], NOON)
    drain(Deliverer(settings, sessions, clock=Clock(NOON)))
    mails = {e.rcpt_tos[0]: message_from_bytes(e.content) for e in smtp_sink.messages}
    assert set(mails) == {"a@example.org", "b@example.org"}
    assert mails["a@example.org"]["Message-ID"] == "<linli-n1-email@linli.notifier>"
    zh = mails["a@example.org"].get_payload(decode=True).decode().replace("\r\n", "\n")
    en = mails["b@example.org"].get_payload(decode=True).decode().replace("\r\n", "\n")
    assert zh.startswith("张明您好：\n您有1个新的志愿服务班次：")
    assert en.startswith("Dear Li Hua,\nYou have 1 new volunteer shift(s):")
    assert "https://linli.example.org/responses/" in zh
    assert statuses(sessions) == [("email", "sent"), ("email", "sent")]


def test_sms_waits_for_the_end_of_quiet_hours(
    sessions: Any, settings: dict[str, Any], tmp_path: Path
) -> None:
    person(sessions, settings, 1, ["sms"], phone="13812345678")
    publish(sessions, settings, [1], LATE)
    clock = Clock(LATE + timedelta(minutes=5))
    deliverer = Deliverer(settings, sessions, clock=clock)
    assert drain(deliverer) == 0
    with sessions() as session:
        held = session.scalars(sa.select(Delivery)).one()
        # 07:30 Shanghai is 23:30 UTC the day before.
        assert held.not_before.replace(tzinfo=UTC) == datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    clock.now = datetime(2026, 11, 20, 23, 31, tzinfo=UTC)
    assert drain(deliverer) == 1
    lines = (tmp_path / "sms-outbox.log").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["idempotency_key"] for line in lines] == ["linli-n1-sms"]


def test_group_robot_gets_batches_within_its_rate_limit(
    sessions: Any, settings: dict[str, Any], http_sink: Any
) -> None:
    settings.update(ROBOT_RATE_PER_MINUTE=2)
    robot = target(sessions, settings, "dingtalk", http_sink.url + "/robot/send?access_token=t",
                   secret="SECxyz")
    volunteers = list(range(1, 31))
    for v in volunteers:
        person(sessions, settings, v, ["dingtalk"], robot_target_id=robot)
    publish(sessions, settings, volunteers, NOON)
    clock = Clock(NOON)
    deliverer = Deliverer(settings, sessions, clock=clock)
    # Thirty alerts of about 900 bytes exceed DingTalk's 20,000-byte message once: two
    # messages, both within the rate.
    drain(deliverer)
    assert len(http_sink.receipts) == 2
    texts = [r.json()["markdown"]["text"] for r in http_sink.receipts]
    assert sum(t.count("### ") for t in texts) == 30
    assert all("sign=" in r.path and "timestamp=" in r.path for r in http_sink.receipts)
    assert {s for _, s in statuses(sessions)} == {"sent"}


def test_robot_rate_limit_holds_the_rest_until_the_next_minute(
    db_sessions: Any, settings: dict[str, Any], http_sink: Any
) -> None:
    settings.update(ROBOT_RATE_PER_MINUTE=1, DELIVERY_BATCH_SIZE=10)
    robot = target(db_sessions, settings, "wecom", http_sink.url + "/cgi-bin/webhook/send?key=k")
    for v in range(1, 11):
        person(db_sessions, settings, v, ["wecom"], robot_target_id=robot)
    publish(db_sessions, settings, list(range(1, 11)), NOON)
    clock = Clock(NOON)
    deliverer = Deliverer(settings, db_sessions, clock=clock)
    drain(deliverer)
    first = len(http_sink.receipts)
    assert first == 1  # 10 alerts > 4096 bytes: several messages, one allowed this minute
    pending = [s for _, s in statuses(db_sessions) if s == "pending"]
    assert pending
    clock.now = NOON + timedelta(minutes=1)
    drain(deliverer)
    assert len(http_sink.receipts) == 2
    for receipt in http_sink.receipts:
        assert len(receipt.json()["markdown"]["content"].encode()) <= 4096


def test_crash_after_accept_resends_with_the_same_key_after_the_lease(
    db_sessions: Any, settings: dict[str, Any], http_sink: Any
) -> None:
    hook = target(db_sessions, settings, "webhook", http_sink.url + "/hook")
    person(db_sessions, settings, 1, ["webhook"], webhook_target_id=hook)
    publish(db_sessions, settings, [1], NOON)
    clock = Clock(NOON)
    crashed = Deliverer(settings, db_sessions, clock=clock)
    token, rows = crashed.claim()
    jobs = crashed._prepare(token, rows)
    crashed.channels["webhook"].send(jobs[0].message, jobs[0].key)  # accepted, never recorded
    survivor = Deliverer(settings, db_sessions, clock=clock)
    assert drain(survivor) == 0  # still leased to the dead worker
    clock.now = NOON + timedelta(seconds=settings["DELIVERY_LEASE_SECONDS"] + 1)
    assert drain(survivor) == 1
    keys = [r.headers["Idempotency-Key"] for r in http_sink.receipts]
    assert keys == ["linli-n1-webhook", "linli-n1-webhook"]


def test_transient_failures_retry_then_fall_back_to_the_next_channel(
    db_sessions: Any, settings: dict[str, Any], http_sink: Any, tmp_path: Path
) -> None:
    settings.update(DELIVERY_MAX_ATTEMPTS=2)
    hook = target(db_sessions, settings, "webhook", http_sink.url + "/hook")
    person(db_sessions, settings, 1, ["webhook", "sms"], webhook_target_id=hook,
           phone="13812345678")
    publish(db_sessions, settings, [1], NOON)
    http_sink.answers.extend([(503, {}, b"{}"), (503, {}, b"{}")])
    clock = Clock(NOON)
    deliverer = Deliverer(settings, db_sessions, clock=clock)
    drain(deliverer)
    assert statuses(db_sessions) == [("webhook", "pending")]
    clock.now = NOON + timedelta(minutes=1)
    drain(deliverer)
    assert statuses(db_sessions) == [("webhook", "failed"), ("sms", "sent")]
    with db_sessions() as session:
        attempts = session.scalars(sa.select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all()
    assert [(a.idempotency_key, a.status) for a in attempts] == [
        ("linli-n1-webhook", "transient"), ("linli-n1-webhook", "transient"),
        ("linli-n1-sms", "sent"),
    ]
