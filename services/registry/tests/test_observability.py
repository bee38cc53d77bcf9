"""Metrics and logs of the registry: /metrics counts requests and shows the outbox backlog but
no personal data; each request is one JSON log line carrying its correlation id."""

from __future__ import annotations

import io
import json
import logging
import re

from flask.testing import FlaskClient

from linli_contracts import logs
from registry.masking import mask_text

from .conftest import World
from .test_outbox import outbox_unsent

PHONE = "13512345678"
ID_NUMBER = "11010119900101123X"


def _sample(text: str, name: str, labels: str) -> float:
    match = re.search(rf"^{re.escape(name)}\{{{re.escape(labels)}\}} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def test_metrics_count_requests_and_hold_no_personal_data(
    client: FlaskClient, world: World
) -> None:
    labels = 'endpoint="/volunteers",method="POST",status="2xx"'
    before = _sample(client.get("/metrics").get_data(as_text=True),
                     "linli_http_requests_total", labels)
    body = {"community_id": world.ids["A"], "name": "陈七", "phone": PHONE,
            "id_number": ID_NUMBER}
    created = client.post(f"/volunteers?phone={PHONE}", json=body, headers=world.h("coord_a"))
    assert created.status_code == 201, created.json
    client.get(f"/volunteers/{PHONE}", headers=world.h("coord_a"))
    answer = client.get("/metrics")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert _sample(text, "linli_http_requests_total", labels) == before + 1
    assert _sample(text, "linli_http_request_duration_seconds_count", labels) == before + 1
    assert 'endpoint="/volunteers/<int:volunteer_id>",method="GET",status="4xx"' in text
    unsent = outbox_unsent(world)
    assert unsent >= 1
    assert f"linli_outbox_backlog {float(unsent)}" in text
    assert PHONE not in text and ID_NUMBER not in text
    assert "陈七" not in text


def test_each_request_is_one_json_line_with_its_correlation_id(
    client: FlaskClient, world: World
) -> None:
    stream = io.StringIO()
    handler = logs.JsonHandler("registry", mask_text, stream=stream)
    access = logging.getLogger("registry.http")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        answer = client.get(f"/volunteers?phone={PHONE}", headers=world.h(
            "coord_a", **{"X-Correlation-ID": "log-1"}))
        other = client.get("/healthz")
    finally:
        access.removeHandler(handler)
    assert answer.headers["X-Correlation-ID"] == "log-1"
    generated = other.headers["X-Correlation-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(r["endpoint"], r["correlation_id"]) for r in records] == [
        ("/volunteers", "log-1"), ("/healthz", generated)]
    first = records[0]
    assert {"time", "level", "logger", "message", "service", "correlation_id"} <= set(first)
    assert first["service"] == "registry" and first["level"] == "INFO"
    assert PHONE not in stream.getvalue()


def test_masking_covers_event_fields_too() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("registry.test_masking")
    logger.addHandler(logs.JsonHandler("registry", mask_text, stream=stream))
    logger.propagate = False
    try:
        logger.warning("import row for %s failed", PHONE,
                       extra={"row": {"phone": PHONE, "id_number": ID_NUMBER}, "count": 2})
    finally:
        logger.handlers.clear()
        logger.propagate = True
    record = json.loads(stream.getvalue())
    assert record["message"] == "import row for 135****5678 failed"
    assert record["row"] == {"phone": "135****5678", "id_number": "110101********123X"}
    assert record["count"] == 2
