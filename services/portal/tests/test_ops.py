"""The portal in production: /metrics by route template, JSON log lines without link tokens,
and the correlation id of a page carried to the registry and notifier it calls (real services
on SQLite over HTTP; the portal in-process and under gunicorn)."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from linli_testing.servers import free_port, serve_wsgi
from notifier import config as notifier_config
from notifier.app import create_app as notifier_app
from notifier.migrate import upgrade as notifier_upgrade
from portal.app import create_app as portal_app
from portal.masking import mask_text
from registry.app import create_app as registry_app
from registry.auth.service import hash_password
from registry.db import make_engine, session_scope
from registry.migrate import upgrade as registry_upgrade
from registry.models import User

SECRET = "linli-portal-ops-test-secret-0123456789abcdef"
PASSWORD = "portal ops test password"
# Shaped like a real link token, so a leak would be recognisable anywhere in the output.
LINK_TOKEN = "eyJhIjo0MiwidiI6N30.ZZlinkSecret.Q1x2Y3z4"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PORTAL_SRC = Path(__file__).resolve().parents[1] / "src" / "portal"


@dataclass
class Backends:
    """A registry and a notifier served over HTTP from SQLite files of the test's own."""

    registry: str
    notifier: str




@pytest.fixture(scope="module")
def backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backends]:
    tmp = tmp_path_factory.mktemp("ops")
    registry_url = f"sqlite:///{tmp / 'registry.db'}"
    registry_upgrade(registry_url)
    engine = make_engine(registry_url)
    with session_scope(engine) as session:
        session.add(User(username="coord_ops", password_hash=hash_password(PASSWORD),
                         role="coordinator", community_ids=[], active=True))
    engine.dispose()
    settings = notifier_config.load({
        "DATABASE_URL": f"sqlite:///{tmp / 'notifier.db'}", "JWT_SECRET": SECRET,
        "SMS_OUTBOX_PATH": str(tmp / "sms.log"), "PUBLIC_BASE_URL": "http://notifier.test",
    })
    notifier_upgrade(settings["DATABASE_URL"])
    registry, registry_base = serve_wsgi(registry_app(
        {"DATABASE_URL": registry_url, "TESTING": True, "JWT_SECRET": SECRET}))
    notifier, notifier_base = serve_wsgi(notifier_app(settings))
    yield Backends(registry_base, notifier_base)
    registry.shutdown()
    notifier.shutdown()


def portal(backends: Backends, **overrides: object) -> Flask:
    return portal_app({
        "TESTING": True, "SECRET_KEY": "portal-ops-test-secret",
        "REGISTRY_URL": backends.registry, "NOTIFIER_URL": backends.notifier,
        # Nothing listens here: the pages used below never call the scheduler.
        "SCHEDULER_URL": f"http://127.0.0.1:{free_port()}", **overrides,
    })


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """Samples of one metric family in a text exposition, by their sorted labels."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def requests_of(text: str, endpoint: str, method: str, status: str) -> float:
    key = (("endpoint", endpoint), ("method", method), ("status", status))
    return samples(text, "linli_http_requests_total").get(key, 0.0)


def test_metrics_count_requests_by_route_template_never_by_path(backends: Backends) -> None:
    client = portal(backends).test_client()
    before = client.get("/metrics").get_data(as_text=True)
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").status_code == 200
    # An unknown link: the notifier refuses it and the page says so.
    assert client.get(f"/responses/{LINK_TOKEN}?response=confirmed").status_code in (404, 422)
    assert client.get(f"/v/t/{LINK_TOKEN}").status_code in (404, 422)
    assert client.get("/no/such/page").status_code == 404
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    after = answer.get_data(as_text=True)

    def grew(endpoint: str, status: str) -> float:
        return (requests_of(after, endpoint, "GET", status)
                - requests_of(before, endpoint, "GET", status))

    assert grew("/healthz", "2xx") == 2
    assert grew("/responses/<token>", "4xx") == 1
    assert grew("/v/t/<token>", "4xx") == 1
    assert grew("<unmatched>", "4xx") == 1
    latency = samples(after, "linli_http_request_duration_seconds_count")
    key = (("endpoint", "/responses/<token>"), ("method", "GET"), ("status", "4xx"))
    assert latency[key] >= 1
    assert LINK_TOKEN not in after and "ZZlinkSecret" not in after
    assert "/no/such/page" not in after


def test_metrics_token_is_required_when_set(backends: Backends) -> None:
    client = portal(backends, METRICS_TOKEN="scrape-me-0123").test_client()
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = client.get("/metrics", headers={"Authorization": "Bearer scrape-me-0123"})
    assert right.status_code == 200
    assert "linli_http_requests_total" in right.get_data(as_text=True)


def test_one_click_carries_its_correlation_id_to_every_service(
    backends: Backends, caplog: pytest.LogCaptureFixture
) -> None:
    client = portal(backends).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = CSRF.search(page)
    assert token
    caplog.set_level(logging.INFO)
    refused = client.post("/login", headers={"X-Correlation-ID": "click-login-1"}, data={
        "username": "coord_ops", "password": "not the password",
        "csrf_token": token.group(1)})
    assert refused.status_code in (200, 401)
    assert refused.headers["X-Correlation-ID"] == "click-login-1"
    link = client.get(f"/responses/{LINK_TOKEN}", headers={"X-Correlation-ID": "click-link-2"})
    assert link.headers["X-Correlation-ID"] == "click-link-2"

    def lines(logger: str, correlation: str) -> list[logging.LogRecord]:
        return [r for r in caplog.records
                if r.name == logger and getattr(r, "correlation_id", None) == correlation]

    # The registry answered the login attempt, the notifier the link, under the page's id.
    assert [r.endpoint for r in lines("registry.http", "click-login-1")] == ["/auth/token"]
    assert [r.status for r in lines("registry.http", "click-login-1")] == [401]
    assert [r.endpoint for r in lines("notifier.http", "click-link-2")] == [
        "/responses/<string:token>"]
    portal_lines = lines("portal.http", "click-link-2")
    assert "/responses/<token>" in [getattr(r, "endpoint", None) for r in portal_lines]
    for record in caplog.records:
        assert LINK_TOKEN not in mask_text(record.getMessage())


def test_mask_text_hides_link_tokens_bearer_tokens_and_phones() -> None:
    line = (f'GET /responses/{LINK_TOKEN}?response=declined HTTP/1.1 | /v/t/{LINK_TOKEN} | '
            "Authorization: Bearer abc.def.ghi | 13812345678 | 110101199003071234 | "
            "/responses/<token>")
    masked = mask_text(line)
    assert "ZZlinkSecret" not in masked and "abc.def.ghi" not in masked
    assert "/responses/***?response=declined" in masked and "/v/t/***" in masked
    assert "138****5678" in masked and "110101********1234" in masked
    assert masked.endswith("/responses/<token>")


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_gunicorn_logs_json_lines_and_merges_every_workers_metrics(
    backends: Backends, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PORT": str(port),
        "WEB_CONCURRENCY": "2", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        # DEBUG: even the HTTP client's own lines (which print the paths it calls) are masked.
        "LOG_LEVEL": "DEBUG",
        "PORTAL_REGISTRY_URL": backends.registry, "PORTAL_NOTIFIER_URL": backends.notifier,
        "PORTAL_SCHEDULER_URL": f"http://127.0.0.1:{free_port()}",
        "PORTAL_SECRET_KEY": "portal-ops-gunicorn-secret",
    }
    stderr = tmp_path / "stderr.log"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with stderr.open("wb") as sink:
        process = subprocess.Popen(
            [str(gunicorn), "-c", str(PORTAL_SRC / "gunicorn.conf.py"), "portal.wsgi:app"],
            env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if fetch(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, stderr.read_text()
            time.sleep(0.2)
        for _ in range(7):
            assert fetch(f"{base}/healthz")[0] == 200
        status, _ = fetch(f"{base}/responses/{LINK_TOKEN}?response=confirmed",
                          {"X-Correlation-ID": "click-gunicorn-3"})
        assert status in (404, 422)
        status, text = fetch(f"{base}/metrics")
        assert status == 200
    finally:
        process.terminate()
        process.wait(30)
    # Eight /healthz answers in all (the first poll may have come before the app was up, but
    # then it failed to connect and was not counted), whichever worker served each.
    assert requests_of(text, "/healthz", "GET", "2xx") == 8
    assert requests_of(text, "/responses/<token>", "GET", "4xx") == 1
    output = stderr.read_text(encoding="utf-8")
    assert LINK_TOKEN not in output and "ZZlinkSecret" not in output
    records = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert records, output
    assert all(r["service"] == "portal" for r in records)
    page = [r for r in records if r.get("endpoint") == "/responses/<token>"]
    assert len(page) == 1
    assert page[0]["correlation_id"] == "click-gunicorn-3"
    assert page[0]["logger"] == "portal.http" and page[0]["status"] in (404, 422)
    assert page[0]["duration_ms"] >= 0
    # The back-end call under the same id (urllib3's debug line, its path masked).
    calls = [r for r in records if r["correlation_id"] == "click-gunicorn-3"
             and r["logger"].startswith("urllib3")]
    assert any("/responses/***" in r["message"] for r in calls), calls


def test_readiness_reports_a_down_back_end_without_failing(backends: Backends) -> None:
    """A scheduler that is down is reported, but the portal stays ready: its pods keep
    serving pages that say which service is unavailable instead of leaving the rotation."""
    answer = portal(backends).test_client().get("/readyz")
    assert answer.status_code == 200
    assert answer.json["backends"] == {"registry": "ok", "scheduler": "unavailable",
                                       "notifier": "ok"}
