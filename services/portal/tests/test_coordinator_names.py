"""Volunteer names for the hours chart come from the plan itself; the registry's whole
volunteer list is read only when the plan leaves someone without a name. Follow-up pages name
volunteers of partner communities from the plan's versions."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.clients import Backends
from portal.coordinator.data import plan_names, volunteer_names


class _Registry(BaseHTTPRequestHandler):
    requests_seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.requests_seen.append(self.path)
        rows: list[dict[str, object]] = [{"id": 9, "name": "王老师"}]
        if self.path.startswith("/plans/7/assignments"):
            # Version 2 no longer holds volunteer 5, who declined the published version 1.
            rows = ([{"volunteer_id": 5, "volunteer_name": "伙伴社区的赵医生"}]
                    if "version=1" in self.path else [])
        body = json.dumps(rows).encode()
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
    return Backends(token="t", settings={"REGISTRY_URL": url, "SCHEDULER_URL": url,
                                         "BACKEND_TIMEOUT": 5})


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


def test_plan_names_include_partner_volunteers_of_the_published_version(registry: str) -> None:
    plan = {"id": 7, "published_version": 1, "version": {"number": 2}}
    names = plan_names(_api(registry), plan, [5])
    assert names == {5: "伙伴社区的赵医生"}
    versions = sorted(p.split("version=")[1].split("&")[0] for p in _Registry.requests_seen
                      if p.startswith("/plans/7/assignments"))
    assert versions == ["1", "2"]
    assert not any(p.startswith("/volunteers") for p in _Registry.requests_seen)


def test_plan_names_read_the_registry_for_someone_the_plan_leaves_unnamed(registry: str) -> None:
    plan = {"id": 7, "published_version": 1, "version": {"number": 2}}
    names = plan_names(_api(registry), plan, [5, 9])
    assert names == {5: "伙伴社区的赵医生", 9: "王老师"}
    assert plan_names(_api(registry), plan, []) == {}
