"""End to end, metrics and logs: one correlation id from the API through a solve worker to
every alert the notifier sends, as real processes on real Redis.

A plan is created with `X-Correlation-ID: test-abc` at the scheduler API (gunicorn, two workers
sharing their metrics through PROMETHEUS_MULTIPROC_DIR), solved by a solve-worker process and
published without naming the id again. The relay carries the events to a `python -m notifier
worker` process, which sends every volunteer an SMS (the file provider). Each log line of every
process is one JSON object; the notifier's delivery lines carry `test-abc`; no log holds a full
phone number; and the API's, the solve worker's and the notifier worker's metrics count what
happened.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from linli_testing.servers import free_port, wait_for_port
from notifier import config as notifier_config
from notifier.crypto import Vault
from notifier.db import make_engine as notifier_engine
from notifier.migrate import upgrade as notifier_upgrade
from notifier.models import ChannelSettings, Delivery

from .registry_world import RegistryServer, small_world
from .system import Scheduler, wait_until
from .test_api import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PHONE = "1391234{:04d}"
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[RegistryServer]:
    """The real registry with two small communities."""
    server = RegistryServer(f"sqlite:///{tmp_path / 'registry.db'}").start(small_world)
    yield server
    server.stop()


def metric(text: str, name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels` (0 when none)."""
    total = 0.0
    for line in text.splitlines():
        match = re.fullmatch(r"([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(3) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match.group(4))
    return total


def seed_channels(database_url: str, volunteer_ids: list[int]) -> None:
    """Every volunteer takes SMS, with a phone number stored encrypted."""
    vault = Vault(notifier_config.defaults())
    engine = notifier_engine(database_url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(sa.insert(ChannelSettings.__table__), [
            {"volunteer_id": v, "community_id": 1, "language": "zh-CN", "channels": ["sms"],
             "consents": {"sms": now.isoformat()}, "phone_ciphertext":
             vault.encrypt(PHONE.format(v)), "phone_masked": "139****" + PHONE.format(v)[-4:],
             "calendar_secret": f"cal-{v}", "updated_at": now}
            for v in volunteer_ids
        ])
    engine.dispose()


def json_lines(path: Path) -> list[dict]:
    """Every line of a log file, each of which must be one JSON object."""
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            pytest.fail(f"{path.name}: not a JSON line: {line[:200]}")
    return records


def test_one_correlation_id_from_the_api_to_every_alert(
    tmp_path: Path, redis_url: str, registry: RegistryServer
) -> None:
    solve_port, notifier_port = free_port(), free_port()
    system = Scheduler(tmp_path, registry.url, redis_url)
    system.start(workers=0, api_env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom")})
    system.spawn("worker-0", [sys.executable, "-m", "scheduler.service", "solve-worker"],
                 {"SCHEDULER_METRICS_PORT": str(solve_port)})
    notifier_db = f"sqlite:///{tmp_path / 'notifier.db'}"
    notifier_upgrade(notifier_db)
    notifier_log = tmp_path / "notifier.log"
    with open(notifier_log, "ab") as handle:
        notifier = subprocess.Popen(
            [sys.executable, "-m", "notifier", "worker"], stdout=handle,
            stderr=subprocess.STDOUT, cwd=tmp_path,
            env={**os.environ, "BROKER_URL": redis_url, "LOG_LEVEL": "INFO",
                 "NOTIFIER_DATABASE_URL": notifier_db, "NOTIFIER_POLL_INTERVAL": "0.1",
                 "NOTIFIER_SMS_PROVIDER": "file",
                 "NOTIFIER_SMS_OUTBOX_PATH": str(tmp_path / "sms.log"),
                 # No quiet hours: the SMS go out whatever the time of the test.
                 "NOTIFIER_QUIET_START": "00:00", "NOTIFIER_QUIET_END": "00:00",
                 "NOTIFIER_METRICS_PORT": str(notifier_port), "PYTHONUNBUFFERED": "1"})
    try:
        coord = login(registry, "coord_a")
        created = system.call("POST", "/plans", {**coord, "X-Correlation-ID": "test-abc"},
                              json={"community_ids": [registry.ids["A"]],
                                    "start": "2026-03-02", "end": "2026-03-06"})
        assert created.status_code == 201, created.text
        assert created.headers["X-Correlation-ID"] == "test-abc"
        plan_id = created.json()["id"]
        # Later calls name no id: the plan's own follows it.
        queued = system.call("POST", f"/plans/{plan_id}/solve", coord, json={"time_limit": 2})
        assert queued.status_code == 202, queued.text
        assert queued.headers["X-Correlation-ID"] == "test-abc"
        job = wait_until(lambda: (lambda j: j if j["status"] in ("succeeded", "failed") else None)(
            system.call("GET", f"/plans/{plan_id}/solve", coord).json()), timeout=60)
        assert job["status"] == "succeeded", job
        rows = system.call("GET", f"/plans/{plan_id}/assignments", coord).json()
        volunteers = sorted({row["volunteer_id"] for row in rows})
        assert volunteers
        seed_channels(notifier_db, volunteers)
        plan = system.call("GET", f"/plans/{plan_id}", coord)
        published = system.call("POST", f"/plans/{plan_id}/publish",
                                {**coord, "If-Match": plan.headers["ETag"]})
        assert published.status_code == 200, published.text
        assert published.headers["X-Correlation-ID"] == "test-abc"
        # A request with a phone number in its path.
        assert system.call("GET", "/plans/13812345678", coord).status_code == 404

        engine = notifier_engine(notifier_db)

        def all_sent() -> bool:
            with engine.connect() as conn:
                statuses = conn.execute(sa.select(Delivery.status)).scalars().all()
            return len(statuses) == len(volunteers) and set(statuses) == {"sent"}

        wait_until(all_sent, timeout=60)
        engine.dispose()

        api_metrics = requests.get(f"{system.url}/metrics", timeout=10).text
        wait_for_port(solve_port)
        solve_metrics = requests.get(f"http://127.0.0.1:{solve_port}/metrics", timeout=10).text
        notifier_metrics = requests.get(f"http://127.0.0.1:{notifier_port}/metrics",
                                        timeout=10).text
    finally:
        notifier.terminate()
        notifier.wait(30)
        system.stop()

    # The API: requests of both gunicorn workers, merged; queues and outbox read at scrape time.
    assert metric(api_metrics, "linli_http_requests_total", endpoint="/plans", method="POST",
                  status="2xx") == 1
    assert metric(api_metrics, "linli_http_requests_total", endpoint="/plans/<int:plan_id>",
                  method="GET", status="4xx") == 1
    assert metric(api_metrics, "linli_http_request_duration_seconds_count",
                  endpoint="/plans/<int:plan_id>/publish", method="POST") == 1
    assert metric(api_metrics, "linli_broker_up") == 1
    assert "linli_queue_depth{queue=\"scheduler.solve\"}" in api_metrics
    assert metric(api_metrics, "linli_outbox_backlog") == 0
    assert "13812345678" not in api_metrics
    # The solve worker: one solve timed, one job done.
    assert metric(solve_metrics, "linli_solve_duration_seconds_count") == 1
    assert metric(solve_metrics, "linli_solve_jobs_total", result="done") == 1
    # The notifier worker: one SMS per volunteer.
    assert metric(notifier_metrics, "linli_deliveries_total", channel="sms",
                  outcome="sent") == len(volunteers)
    assert metric(notifier_metrics, "linli_consumer_messages_total", consumer="notifier",
                  outcome="processed") >= len(rows) + 1

    # Logs: JSON lines everywhere; the id followed the plan to every delivery.
    logs = {path.name: json_lines(path) for path in tmp_path.glob("*.log")
            if path.name != "sms.log"}
    deliveries = [r for r in logs["notifier.log"] if r.get("delivery_id") is not None]
    assert len(deliveries) == len(volunteers)
    assert {r["correlation_id"] for r in deliveries} == {"test-abc"}
    assert {r["service"] for r in deliveries} == {"notifier"}
    solved = [r for r in logs["worker-0.log"] if r.get("result") == "done"]
    assert [r["correlation_id"] for r in solved] == ["test-abc"]
    api = [r for r in logs["api.log"] if r.get("endpoint") == "/plans/<int:plan_id>/publish"]
    assert [r["correlation_id"] for r in api] == ["test-abc"]
    # gunicorn's access log, which would print raw paths, stays off.
    assert not [r for r in logs["api.log"] if r["logger"] == "gunicorn.access"]
    for name in logs:
        text = (tmp_path / name).read_text(errors="replace")
        assert not MOBILE.search(text), f"a full phone number in {name}"
    # The SMS did go out, one per volunteer (the file provider records the phone masked).
    sent = [json.loads(line) for line in (tmp_path / "sms.log").read_text().splitlines()]
    assert sorted(s["phone"] for s in sent) == sorted(
        "139****" + PHONE.format(v)[-4:] for v in volunteers)
