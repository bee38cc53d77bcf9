"""The registry client's transport against a real HTTP server on a loopback port: retries on
5xx and refused connections, the service token's reuse and refresh on 401, the correlation id,
and unusable answers. The server's answers are scripted per path; every request is recorded."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from linli_contracts import logs
from linli_contracts.registry_client import (
    RegistryClient,
    RegistryError,
    RegistryFailed,
    RegistryUnavailable,
)
from linli_testing.servers import free_port, serve_wsgi

SECRET_PHONE = "13800138000"


@dataclass
class ScriptedRegistry:
    """Answers each path from a queue of (status, body) pairs, repeating the last one."""

    answers: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    tokens_issued: int = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.seen.append((request.method, request.path, dict(request.headers)))
        if request.path == "/auth/token" and request.path not in self.answers:
            self.tokens_issued += 1
            status, body = 200, {"access_token": f"token-{self.tokens_issued}",
                                 "expires_in": 300}
        else:
            queue = self.answers.get(request.path) or [(404, {"message": "unknown"})]
            status, body = queue.pop(0) if len(queue) > 1 else queue[0]
        data = body if isinstance(body, str) else json.dumps(body)
        return Response(data, status=status, content_type="application/json")(
            environ, start_response)

    def calls(self, path: str) -> list[dict[str, str]]:
        """Headers of every request to `path`, in order."""
        return [headers for _method, seen_path, headers in self.seen if seen_path == path]


@pytest.fixture
def registry() -> Iterator[tuple[ScriptedRegistry, str]]:
    """A scripted registry served by werkzeug in a thread, and its base URL."""
    app = ScriptedRegistry()
    server, url = serve_wsgi(app)
    try:
        yield app, f"{url}/"
    finally:
        server.shutdown()


def client_of(url: str, retries: int = 3) -> RegistryClient:
    return RegistryClient(url, "notifier", "secret", timeout=5.0, retries=retries, backoff=0.01)


def test_5xx_is_retried_until_an_answer_then_the_token_is_reused(registry) -> None:
    app, url = registry
    app.answers["/volunteers/7"] = [(503, {}), (502, {}), (200, {"id": 7})]
    client = client_of(url)
    try:
        assert client.get_json("/volunteers/7") == {"id": 7}
        assert len(app.calls("/volunteers/7")) == 3
        app.answers["/volunteers/8"] = [(200, {"id": 8})]
        assert client.get_json("/volunteers/8") == {"id": 8}
    finally:
        client.close()
    # One login serves both calls while the token is valid.
    assert app.tokens_issued == 1
    assert all(h["Authorization"] == "Bearer token-1" for h in app.calls("/volunteers/7"))


def test_5xx_on_every_attempt_raises_unavailable_after_the_retry_count(registry, caplog) -> None:
    app, url = registry
    app.answers["/volunteers"] = [(500, {"phone": SECRET_PHONE})]
    client = client_of(url, retries=4)
    with caplog.at_level(logging.WARNING, "linli_contracts.registry_client"), \
            pytest.raises(RegistryUnavailable, match="unreachable"):
        client.get_json("/volunteers")
    client.close()
    assert len(app.calls("/volunteers")) == 4
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["registry GET /volunteers answered 500"] * 4
    assert SECRET_PHONE not in caplog.text


def test_a_refused_connection_is_retried_then_unavailable(caplog) -> None:
    client = client_of(f"http://127.0.0.1:{free_port()}", retries=2)
    with caplog.at_level(logging.WARNING, "linli_contracts.registry_client"), \
            pytest.raises(RegistryUnavailable) as raised:
        client.service_token()
    client.close()
    assert isinstance(raised.value, RegistryError)
    assert [r.getMessage() for r in caplog.records] == [
        "registry POST /auth/token failed: ConnectionError"] * 2


def test_a_refused_token_is_renewed_once(registry) -> None:
    app, url = registry
    app.answers["/snapshot"] = [(401, {}), (200, {"shifts": []})]
    client = client_of(url)
    assert client.get_json("/snapshot", [("community_id", 1)]) == {"shifts": []}
    assert [h["Authorization"] for h in app.calls("/snapshot")] == [
        "Bearer token-1", "Bearer token-2"]
    # A second 401 is not renewed again: it is the caller's answer.
    app.answers["/snapshot"] = [(401, {}), (401, {})]
    with pytest.raises(RegistryFailed) as raised:
        client.get_json("/snapshot")
    assert raised.value.status == 401
    assert app.tokens_issued == 3
    client.close()


def test_unusable_answers_fail_without_retry(registry) -> None:
    app, url = registry
    app.answers["/volunteers/1"] = [(403, {"phone": SECRET_PHONE})]
    app.answers["/volunteers/2"] = [(200, "<html>not json</html>")]
    client = client_of(url)
    with pytest.raises(RegistryFailed) as forbidden:
        client.get_json("/volunteers/1")
    assert forbidden.value.status == 403
    assert SECRET_PHONE not in str(forbidden.value)
    with pytest.raises(RegistryFailed, match="no JSON") as garbled:
        client.get_json("/volunteers/2")
    assert garbled.value.status is None
    assert len(app.calls("/volunteers/1")) == len(app.calls("/volunteers/2")) == 1
    client.close()


def test_the_correlation_id_travels_with_every_request(registry) -> None:
    app, url = registry
    app.answers["/volunteers/3"] = [(200, {"id": 3})]
    client = client_of(url)
    try:
        with logs.correlation("plan-42"):
            client.get_json("/volunteers/3")
    finally:
        client.close()
    assert [h.get("X-Correlation-Id") for _m, _p, h in app.seen] == ["plan-42", "plan-42"]
