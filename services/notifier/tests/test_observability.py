"""Metrics and logs of the notifier: /metrics on the API, the delivery counter by channel and
outcome, and delivery log lines carrying the correlation id of the event behind the alert."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from notifier_factories import assigned, published
from prometheus_client import REGISTRY

from linli_contracts import logs
from notifier.app import create_app
from notifier.crypto import Vault
from notifier.delivery import Deliverer
from notifier.events import handle_events
from notifier.masking import mask_text
from notifier.models import ChannelSettings, WebhookTarget

NOON = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, outside quiet hours
PHONE = "13812345678"


def sent_count(channel: str, outcome: str) -> float:
    return REGISTRY.get_sample_value(
        "linli_deliveries_total", {"channel": channel, "outcome": outcome}) or 0.0


def test_a_delivery_counts_by_channel_and_logs_the_events_correlation_id(
    sessions: Any, settings: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with sessions() as session, session.begin():
        session.add(ChannelSettings(
            volunteer_id=1, language="zh-CN", channels=["sms"],
            consents={"sms": "2026-01-01T00:00:00Z"},
            phone_ciphertext=Vault(settings).encrypt(PHONE), calendar_secret="cal-1",
            updated_at=NOON))
    # Events made while a request's id is current carry it.
    with logs.correlation("corr-7"):
        events = [assigned(101, 1, day=date(2026, 11, 25)), published(1, 1, 1)]
    assert {e.correlation_id for e in events} == {"corr-7"}
    with sessions() as session, session.begin():
        handle_events(session, events, settings, NOON)
    before = sent_count("sms", "sent")
    caplog.set_level(logging.INFO, logger="notifier.delivery")
    deliverer = Deliverer(settings, sessions, clock=lambda: NOON)
    try:
        assert deliverer.run_once() == 1
    finally:
        deliverer.close()
    assert sent_count("sms", "sent") == before + 1
    lines = [r for r in caplog.records if getattr(r, "delivery_id", None) is not None]
    assert [(r.channel, r.outcome) for r in lines] == [("sms", "sent")]
    # Rendered the way the process's handler renders it: one JSON object with the id.
    handler = logs.JsonHandler("notifier", mask_text)
    for f in handler.filters:
        f.filter(lines[0])
    rendered = json.loads(handler.format(lines[0]))
    assert rendered["correlation_id"] == "corr-7"
    assert rendered["service"] == "notifier" and rendered["channel"] == "sms"
    assert PHONE not in caplog.text


def _counter(name: str, channel: str) -> float:
    return REGISTRY.get_sample_value(name, {"channel": channel}) or 0.0


def test_retries_and_deliveries_given_up_are_counted(
    sessions: Any, settings: dict[str, Any], http_sink: Any
) -> None:
    with sessions() as session, session.begin():
        hook = WebhookTarget(kind="webhook", name="hook", url=http_sink.url + "/hook",
                             enabled=True, created_at=NOON, community_id=7,
                             secret_ciphertext=Vault(settings).encrypt("s"))
        session.add(hook)
        session.flush()
        session.add(ChannelSettings(
            volunteer_id=2, language="zh-CN", channels=["webhook"],
            consents={"webhook": "2026-01-01T00:00:00Z"}, webhook_target_id=hook.id,
            calendar_secret="cal-2", updated_at=NOON))
    with sessions() as session, session.begin():
        handle_events(session, [assigned(201, 2, day=date(2026, 11, 25)), published(1, 1, 1)],
                      settings, NOON)
    before = {name: _counter(name, "webhook") for name in (
        "linli_delivery_retries_total", "linli_delivery_dead_letters_total")}
    transient, permanent = sent_count("webhook", "transient"), sent_count("webhook", "permanent")
    http_sink.answers += [(503, {}, b"{}"), (400, {}, b"{}")]
    clock = {"now": NOON}
    deliverer = Deliverer(settings, sessions, clock=lambda: clock["now"])
    try:
        assert deliverer.run_once() == 1  # 503: tried again later
        clock["now"] = NOON + timedelta(minutes=10)
        assert deliverer.run_once() == 1  # 400: given up, the alert falls back
    finally:
        deliverer.close()
    assert sent_count("webhook", "transient") == transient + 1
    assert sent_count("webhook", "permanent") == permanent + 1
    assert _counter("linli_delivery_retries_total", "webhook") == (
        before["linli_delivery_retries_total"] + 1)
    assert _counter("linli_delivery_dead_letters_total", "webhook") == (
        before["linli_delivery_dead_letters_total"] + 1)


def test_metrics_count_requests_and_hold_no_phone_number(
    sessions: Any, settings: dict[str, Any]
) -> None:
    client = create_app(settings).test_client()
    answer = client.get("/healthz", headers={"X-Correlation-ID": "req-1"})
    assert answer.headers["X-Correlation-ID"] == "req-1"
    # A phone number in the path and in the query: the endpoint rule is what is counted.
    client.get(f"/volunteers/{PHONE}/channel-settings?phone={PHONE}")
    client.get(f"/responses/{PHONE}")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.content_type.startswith("text/plain")
    text = metrics.get_data(as_text=True)
    assert 'linli_http_requests_total{endpoint="/healthz",method="GET",status="2xx"}' in text
    assert 'endpoint="/volunteers/<int:volunteer_id>/channel-settings"' in text
    assert "linli_outbox_backlog 0.0" in text
    assert "linli_broker_up" in text
    assert PHONE not in text


def test_metrics_token_guards_the_endpoint_when_set(
    sessions: Any, settings: dict[str, Any]
) -> None:
    client = create_app({**settings, "METRICS_TOKEN": "scrape-secret"}).test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    answer = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert answer.status_code == 200
    assert "linli_http_requests_total" in answer.get_data(as_text=True)
