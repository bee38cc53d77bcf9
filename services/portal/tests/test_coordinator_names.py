"""Volunteer names for the hours chart come from the plan itself; the registry's whole
volunteer list is read only when the plan leaves someone without a name."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.clients import Backends
from portal.coordinator.data import volunteer_names


class _Registry(BaseHTTPRequestHandler):
    requests_seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.requests_seen.append(self.path)
        body = json.dumps([{"id": 9, "name": "王老师"}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def registry() -> Iterator[str]:
    _Registry.requests_seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _api(url: str) -> Backends:
    return Backends(token="t", settings={"REGISTRY_URL": url, "BACKEND_TIMEOUT": 5})


def test_names_from_rows_and_loads_need_no_registry_call(registry: str) -> None:
    rows = [{"volunteer_id": 1, "volunteer_name": "李老师"}]
    loads = [{"volunteer_id": "1"}, {"volunteer_id": "2", "name": "张医生"}]
    names = volunteer_names(_api(registry), rows, loads)
    assert names == {1: "李老师", 2: "张医生"}
    assert _Registry.requests_seen == []


def test_a_load_without_a_name_reads_the_registry_list(registry: str) -> None:
    names = volunteer_names(_api(registry), [], [{"volunteer_id": "9"}])
    assert names == {9: "王老师"}
    assert len(_Registry.requests_seen) == 1
