"""Metrics and logs shared by every service: queue depth read from a real broker at scrape time,
JSON log lines with the correlation id, masking of every field, the gunicorn multiprocess
hooks, and events that take the correlation id of the work in hand."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from kombu import Producer

from linli_contracts import make_event, topology
from linli_contracts.examples import example_payload
from linli_contracts.logs import JsonHandler, correlation, plain_correlation_id
from linli_contracts.metrics import QueueDepthCollector, render
from linli_contracts.multiproc import child_exit, on_starting
from linli_contracts.outbox import publish_envelope
from linli_testing.servers import free_port

MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def _mask(text: str) -> str:
    return MOBILE.sub(r"\1****\2", text)


def _samples(collector: QueueDepthCollector) -> dict[tuple[str, str], float]:
    return {(metric.name, sample.labels.get("queue", "")): sample.value
            for metric in collector.collect() for sample in metric.samples}


def test_queue_depth_and_dead_letters_are_read_at_scrape_time(
    broker_url: str, kit: SimpleNamespace
) -> None:
    kit.drain(broker_url, "notifier.events")
    kit.drain(broker_url, "notifier.events.dead")
    with topology.connection(broker_url) as conn:
        topology.declare_all(conn)
        producer = Producer(conn)
        for _ in range(3):
            envelope = make_event("plan.published", example_payload("plan.published"))
            publish_envelope(producer, envelope, type_=envelope.type, message_id=envelope.id)
        dead = topology.dead_letter_queue_for("notifier.events")
        producer.publish(b"{}", exchange=dead.exchange, routing_key=dead.routing_key,
                         content_type="application/json", content_encoding="utf-8")
    collector = QueueDepthCollector(broker_url, ["notifier.events"])
    try:
        samples = _samples(collector)
        assert samples[("linli_queue_depth", "notifier.events")] == 3
        assert samples[("linli_dead_letters", "notifier.events")] == 1
        assert samples[("linli_broker_up", "")] == 1
        kit.drain(broker_url, "notifier.events")
        assert _samples(collector)[("linli_queue_depth", "notifier.events")] == 0
    finally:
        kit.drain(broker_url, "notifier.events")
        kit.drain(broker_url, "notifier.events.dead")


def test_a_broker_that_is_down_is_reported_not_raised() -> None:
    collector = QueueDepthCollector(f"redis://127.0.0.1:{free_port()}/0", ["notifier.events"],
                                    timeout=0.5)
    assert _samples(collector) == {("linli_broker_up", ""): 0}
    text = render([collector]).decode()
    assert "linli_broker_up 0.0" in text


def test_a_log_line_is_one_json_object_with_the_correlation_id() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("linli.test.json")
    logger.addHandler(JsonHandler("scheduler", _mask, stream=stream))
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        with correlation("corr-9"):
            logger.info("sms to %s queued", "13812345678", extra={"to": ["13912345678"]})
        logger.info("outside")
    finally:
        logger.handlers.clear()
        logger.propagate = True
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["correlation_id"] == "corr-9" and outside["correlation_id"] is None
    assert inside["message"] == "sms to 138****5678 queued"
    assert inside["to"] == ["139****5678"]
    assert inside["service"] == "scheduler" and inside["logger"] == "linli.test.json"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", inside["time"])


def test_events_take_the_current_correlation_id_unless_given_one() -> None:
    payload = example_payload("plan.published")
    with correlation("req-5"):
        assert make_event("plan.published", payload).correlation_id == "req-5"
        assert make_event("plan.published", payload,
                          correlation_id="own").correlation_id == "own"
    alone = make_event("plan.published", payload)
    assert alone.correlation_id == alone.id


def test_only_short_plain_correlation_ids_are_taken() -> None:
    assert plain_correlation_id("test-abc") == "test-abc"
    assert plain_correlation_id("x" * 65) is None
    assert plain_correlation_id("a b\nc") is None
    assert plain_correlation_id(None) is None


def test_gunicorn_hooks_clean_the_multiprocess_dir_and_mark_dead_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    on_starting(None)  # without the variable: nothing to do
    child_exit(None, SimpleNamespace(pid=1))
    folder = tmp_path / "prom"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    on_starting(None)
    assert folder.is_dir()
    (folder / "counter_123.db").write_bytes(b"")
    (folder / "gauge_livesum_77.db").write_bytes(b"")
    (folder / "keep.txt").write_text("not ours")
    child_exit(None, SimpleNamespace(pid=77))
    assert not (folder / "gauge_livesum_77.db").exists()
    on_starting(None)
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]
