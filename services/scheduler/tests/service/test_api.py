"""The plans API against the real registry: creating, solving, publishing with If-Match,
scopes (404 outside a coordinator's communities), validation, errors and attendance."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from flask.testing import FlaskClient

from linli_testing.servers import free_port
from scheduler.service.app import create_app
from scheduler.service.db import session_scope
from scheduler.service.migrate import upgrade
from scheduler.service.worker import solve_job

from .conftest import SECRET, bearer
from .registry_world import PASSWORD, SERVICE_PASSWORD, RegistryServer, small_world


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """The real registry with a small world, served over HTTP."""
    path = tmp_path_factory.mktemp("registry") / "registry.db"
    server = RegistryServer(f"sqlite:///{path}").start(small_world)
    yield server
    server.stop()


def login(registry: RegistryServer, username: str, password: str | None = None
          ) -> dict[str, str]:
    """Log in at the registry; return the Authorization header."""
    password = password or (SERVICE_PASSWORD if username == "scheduler" else PASSWORD)
    answer = requests.post(f"{registry.url}/auth/token",
                           json={"username": username, "password": password}, timeout=10)
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture(scope="module")
def tokens(registry: RegistryServer) -> dict[str, dict[str, str]]:
    """Headers of the registry's users, issued by the registry."""
    return {name: login(registry, name) for name in ("coord_a", "coord_b", "admin")}


def scheduler_app(tmp: Path, registry_url: str, **extra: Any) -> Any:
    """A scheduler app on a migrated SQLite database."""
    url = f"sqlite:///{tmp / 'scheduler.db'}"
    upgrade(url)
    return create_app({"DATABASE_URL": url, "REGISTRY_URL": registry_url,
                       "REGISTRY_PASSWORD": SERVICE_PASSWORD, "TESTING": True, **extra})


@pytest.fixture
def app(tmp_path: Path, registry: RegistryServer) -> Iterator[Any]:
    """The scheduler app talking to the real registry."""
    application = scheduler_app(tmp_path, registry.url)
    yield application
    application.extensions["scheduler_engine"].dispose()


@pytest.fixture
def client(app: Any) -> FlaskClient:
    """A test client of the scheduler."""
    return app.test_client()


def create(client: FlaskClient, headers: dict[str, str], community: int, **extra: Any) -> Any:
    """POST /plans for one community over 2–6 March 2026."""
    body = {"community_ids": [community], "start": "2026-03-02", "end": "2026-03-06", **extra}
    return client.post("/plans", json=body, headers=headers)


def solve_now(app: Any, client: FlaskClient, headers: dict[str, str], plan_id: int) -> None:
    """Request a solve over HTTP and run it with the worker code in this process."""
    answer = client.post(f"/plans/{plan_id}/solve", json={"time_limit": 2}, headers=headers)
    assert answer.status_code == 202, answer.json
    assert answer.json["status"] == "queued"
    factory = app.extensions["scheduler_sessionmaker"]
    assert solve_job(factory, answer.json["id"], "worker-test", 30) == "done"


def published_rows(app: Any, client: FlaskClient, headers: dict[str, str],
                   community: int) -> list[dict[str, Any]]:
    """Create, solve and publish a plan for one community; its assignments."""
    plan = create(client, headers, community).json
    solve_now(app, client, headers, plan["id"])
    etag = client.get(f"/plans/{plan['id']}", headers=headers).headers["ETag"]
    client.post(f"/plans/{plan['id']}/publish", headers={**headers, "If-Match": etag})
    return client.get(f"/plans/{plan['id']}/assignments", headers=headers).json


def test_probes_and_openapi_need_no_token(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ready"}
    spec = client.get("/openapi.json").json
    assert "/plans/{plan_id}/publish" in spec["paths"]
    assert client.get("/plans").status_code == 401


@pytest.mark.parametrize("token", [
    jwt.encode({"sub": "1", "role": "admin"}, SECRET, algorithm="HS256"),
    jwt.encode({"sub": "1", "role": "admin", "iss": "linli-registry", "aud": "linli",
                "iat": int(time.time()), "exp": int(time.time()) + 60},
               "a-wrong-secret-that-is-long-enough-for-hs256", algorithm="HS256"),
    jwt.encode({"sub": "1", "role": "admin", "iss": "linli-registry", "aud": "other",
                "iat": int(time.time()), "exp": int(time.time()) + 60}, SECRET,
               algorithm="HS256"),
    jwt.encode({"sub": "1", "role": "admin", "iss": "linli-registry", "aud": "linli",
                "iat": int(time.time()) - 120, "exp": int(time.time()) - 60}, SECRET,
               algorithm="HS256"),
    "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwicm9sZSI6ImFkbWluIn0.",
])
def test_bad_tokens_are_refused(client: FlaskClient, token: str) -> None:
    answer = client.get("/plans", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert answer.json["code"] == 401 and answer.json["message"]


def test_create_solve_publish_over_http(app, client, registry, tokens) -> None:
    coord = tokens["coord_a"]
    created = create(client, coord, registry.ids["A"], title="三月第一周")
    assert created.status_code == 201, created.json
    plan = created.json
    assert plan["state"] == "draft" and plan["shift_count"] == 5
    assert created.headers["ETag"] == plan["etag"]
    solve_now(app, client, coord, plan["id"])
    status = client.get(f"/plans/{plan['id']}/solve", headers=coord).json
    assert status["status"] == "succeeded" and status["progress"]["objective"] is not None
    plan = client.get(f"/plans/{plan['id']}", headers=coord)
    assert plan.json["state"] == "solved"
    etag = plan.headers["ETag"]
    rows = client.get(f"/plans/{plan.json['id']}/assignments?date=2026-03-02&venue_id="
                      f"{registry.ids['venue_A']}", headers=coord)
    assert rows.status_code == 200 and len(rows.json) == 2
    assert rows.json[0]["venue_name"] == "幸福社区邻里中心"
    assert all(row["volunteer_name"] for row in rows.json)
    assert "X-Pagination" in rows.headers
    report = client.get(f"/plans/{plan.json['id']}/report", headers=coord).json
    assert report["unfilled"] == [] and len(report["loads"]) >= 2
    publish = f"/plans/{plan.json['id']}/publish"
    assert client.post(publish, headers=coord).status_code == 428
    stale = client.post(publish, headers={**coord, "If-Match": '"plan-1-v9-r9"'})
    assert stale.status_code == 412
    done = client.post(publish, headers={**coord, "If-Match": etag})
    assert done.status_code == 200, done.json
    assert done.json["events"] == 11 and done.json["plan"]["state"] == "published"
    again = client.post(publish, headers={**coord, "If-Match": etag})
    assert again.status_code == 200 and again.json["events"] == 0


def test_a_coordinator_cannot_see_or_publish_another_communitys_plan(
    client, registry, tokens
) -> None:
    plan = create(client, tokens["coord_a"], registry.ids["A"]).json
    other = tokens["coord_b"]
    assert client.get(f"/plans/{plan['id']}", headers=other).status_code == 404
    answer = client.post(f"/plans/{plan['id']}/publish",
                         headers={**other, "If-Match": plan["etag"]})
    assert answer.status_code == 404
    assert client.post(f"/plans/{plan['id']}/solve", json={}, headers=other).status_code == 404
    assert client.get("/plans", headers=other).json == []
    assert [p["id"] for p in client.get("/plans", headers=tokens["admin"]).json] == [plan["id"]]
    # Nor create a plan for a community that is not theirs; an unknown one is 404 too.
    assert create(client, other, registry.ids["A"]).status_code == 404
    assert create(client, tokens["admin"], 999_999).status_code == 404


def test_volunteers_may_not_use_the_plans_api(client) -> None:
    answer = client.get("/plans", headers=bearer("volunteer", 9, volunteer_id=3))
    assert answer.status_code == 403


def test_unknown_fields_and_bad_values_are_refused(client, registry, tokens) -> None:
    answer = create(client, tokens["coord_a"], registry.ids["A"], role="admin", id=5)
    assert answer.status_code == 422
    assert set(answer.json["errors"]["json"]) == {"role", "id"}
    answer = client.post("/plans", headers=tokens["coord_a"],
                         json={"community_ids": [1], "start": "2026-03-09", "end": "2026-03-02"})
    assert answer.status_code == 422
    answer = client.get("/plans?page_size=1000000000", headers=tokens["admin"])
    assert answer.status_code in (200, 400, 422)


def test_oversize_body_is_refused(client, tokens) -> None:
    body = b'{"community_ids": [' + b"1," * 600_000 + b"1]}"
    answer = client.post("/plans", data=body, headers={**tokens["admin"],
                                                       "Content-Type": "application/json"})
    assert answer.status_code == 413


def test_registry_down_answers_503(tmp_path: Path) -> None:
    app = scheduler_app(tmp_path, f"http://127.0.0.1:{free_port()}", REGISTRY_RETRIES=2)
    answer = app.test_client().post(
        "/plans", headers=bearer("admin"),
        json={"community_ids": [1], "start": "2026-03-02", "end": "2026-03-06"},
    )
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    assert answer.json["message"] == "登记服务暂不可用，请稍后再试"


def test_hand_edit_breaking_a_rule_names_it(app, client, registry, tokens) -> None:
    coord = tokens["coord_a"]
    plan = create(client, coord, registry.ids["A"]).json
    solve_now(app, client, coord, plan["id"])
    rows = client.get(f"/plans/{plan['id']}/assignments?date=2026-03-02", headers=coord).json
    answer = client.post(f"/plans/{plan['id']}/edits", headers=coord, json={
        "action": "unassign", "volunteer_id": rows[0]["volunteer_id"],
        "shift_id": rows[0]["shift_id"]})
    assert answer.status_code == 422
    assert answer.json["errors"]["rules"] == ["adults"]
    english = client.post(f"/plans/{plan['id']}/edits", headers={**coord,
                          "Accept-Language": "en"}, json={
        "action": "unassign", "volunteer_id": rows[0]["volunteer_id"],
        "shift_id": rows[0]["shift_id"]})
    assert english.json["message"] == "Breaks a hard rule"
    free = client.get(f"/plans/{plan['id']}/candidates?shift_id={rows[0]['shift_id']}"
                      "&skill=tutor", headers=coord)
    assert free.status_code == 200 and isinstance(free.json, list)


def test_attendance_hours_ledger_stars_and_export(app, client, registry, tokens) -> None:
    coord = tokens["coord_a"]
    row = published_rows(app, client, coord, registry.ids["A"])[0]
    base = f"/assignments/{row['assignment_id']}"
    assert client.post(f"{base}/check-out", json={}, headers=coord).status_code == 409
    client.post(f"{base}/check-in", json={"at": "2026-03-02T08:25:00+00:00"}, headers=coord)
    out = client.post(f"{base}/check-out", json={"at": "2026-03-02T10:05:00+00:00"},
                      headers=coord)
    assert out.status_code == 200, out.json
    entry = client.post(f"{base}/confirm", json={"issuer": "幸福社区居委会"}, headers=coord)
    assert entry.status_code == 201 and entry.json["hours"] == 1.5
    assert client.post(f"{base}/confirm", json={}, headers=coord).status_code == 409
    volunteer = row["volunteer_id"]
    fix = client.post(f"/volunteers/{volunteer}/hours/corrections", headers=coord,
                      json={"corrects_id": entry.json["id"], "hours": 0.25, "note": "补录"})
    assert fix.status_code == 201 and fix.json["kind"] == "correction"
    ledger = client.get(f"/volunteers/{volunteer}/hours", headers=coord).json
    assert ledger["total_hours"] == 1.75 and ledger["stars"] == 0
    assert [e["kind"] for e in ledger["entries"]] == ["service", "correction"]
    assert client.get(f"/volunteers/{volunteer}/hours",
                      headers=tokens["coord_b"]).status_code == 404
    exported = client.get(f"/hours/export?community_id={registry.ids['A']}&with_identity=true",
                          headers=coord)
    assert exported.status_code == 200
    table = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert table[0] == ["姓名", "证件类型", "证件号码", "服务时长（小时）", "服务内容", "出具单位",
                        "编号", "日期"]
    assert len(table) == 3 and table[1][0].startswith("A志愿者")
    xlsx = client.get("/hours/export?format=xlsx", headers=coord)
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_absent_is_recorded_with_a_reason_and_earns_no_hours(app, client, registry,
                                                            tokens) -> None:
    coord = tokens["coord_a"]
    rows = published_rows(app, client, coord, registry.ids["A"])
    absent, attended, unexplained = (f"/assignments/{r['assignment_id']}" for r in rows[:3])

    too_long = client.post(f"{absent}/absent", json={"reason": "病" * 201}, headers=coord)
    assert too_long.status_code == 422
    assert list(too_long.json["errors"]["json"]) == ["reason"]
    unknown = client.post(f"{absent}/absent", json={"hours": 0}, headers=coord)
    assert unknown.status_code == 422 and "hours" in unknown.json["errors"]["json"]
    assert client.get(f"{absent}/attendance", headers=coord).json["absent_at"] is None

    marked = client.post(f"{absent}/absent", json={"reason": "临时发烧"}, headers=coord)
    assert marked.status_code == 200, marked.json
    assert marked.json["absent_reason"] == "临时发烧" and marked.json["absent_at"]
    assert marked.json["check_in_at"] is None
    # Asked again, only the reason changes.
    again = client.post(f"{absent}/absent", json={"reason": "家中有事"}, headers=coord)
    assert again.json["absent_at"] == marked.json["absent_at"]
    assert again.json["absent_reason"] == "家中有事"
    # An absent assignment cannot be checked in, and so never reaches confirmed hours.
    late = client.post(f"{absent}/check-in", json={"at": "2026-03-02T08:25:00+00:00"},
                       headers={**coord, "Accept-Language": "en"})
    assert late.status_code == 409 and late.json["message"] == "Recorded as absent"
    assert client.post(f"{absent}/confirm", json={}, headers=coord).status_code == 409

    no_reason = client.post(f"{unexplained}/absent", json={}, headers=coord)
    assert no_reason.status_code == 200 and no_reason.json["absent_reason"] is None

    client.post(f"{attended}/check-in", json={"at": "2026-03-02T08:30:00+00:00"}, headers=coord)
    refused = client.post(f"{attended}/absent", json={"reason": "x"}, headers=coord)
    assert refused.status_code == 409 and refused.json["message"] == "已签到，不能登记为缺席"
    client.post(f"{attended}/check-out", json={"at": "2026-03-02T10:30:00+00:00"},
                headers=coord)
    assert client.post(f"{attended}/confirm", json={}, headers=coord).status_code == 201
    assert client.post(f"{attended}/absent", json={}, headers=coord).status_code == 409

    # Outside the coordinator's communities the assignment does not exist.
    assert client.post(f"{absent}/absent", json={},
                       headers=tokens["coord_b"]).status_code == 404
    # Only the attended assignment has a ledger line (a ledger with no lines is not found).
    hours = {}
    for row in rows[:3]:
        ledger = client.get(f"/volunteers/{row['volunteer_id']}/hours", headers=coord)
        entries = ledger.json["entries"] if ledger.status_code == 200 else []
        hours.update({entry["assignment_id"]: entry["hours"] for entry in entries})
    assert hours == {rows[1]["assignment_id"]: 2.0}
    spec = client.get("/openapi.json").json
    operation = spec["paths"]["/assignments/{assignment_id}/absent"]["post"]
    assert {"200", "422", "409"} <= set(operation["responses"])


def test_a_volunteer_cannot_mark_an_absence(app, client, registry, tokens) -> None:
    coord = tokens["coord_a"]
    row = published_rows(app, client, coord, registry.ids["A"])[0]
    own = bearer("volunteer", 900, volunteer_id=row["volunteer_id"])
    path = f"/assignments/{row['assignment_id']}"
    assert client.get(f"{path}/attendance", headers=own).status_code == 200
    assert client.post(f"{path}/absent", json={}, headers=own).status_code == 404
    assert client.get(f"{path}/attendance", headers=coord).json["absent_at"] is None


def test_stars_follow_the_thresholds() -> None:
    from scheduler.service.attendance.service import stars

    assert [stars(h) for h in (0, 99.9, 100, 300, 600, 999, 1000, 1500, 5000)] == [
        0, 0, 1, 2, 3, 3, 4, 5, 5]


def test_session_scope_rolls_back(app) -> None:
    factory = app.extensions["scheduler_sessionmaker"]
    with pytest.raises(RuntimeError), session_scope(factory):
        raise RuntimeError("boom")


def test_cancel_limits_versions_repair_and_diff_over_http(
    tmp_path: Path, registry, tokens
) -> None:
    app = scheduler_app(tmp_path, registry.url, MAX_ACTIVE_JOBS=1)
    client = app.test_client()
    coord = tokens["coord_a"]
    first = create(client, coord, registry.ids["A"]).json
    second = create(client, coord, registry.ids["A"]).json
    queued = client.post(f"/plans/{first['id']}/solve", json={}, headers=coord)
    assert queued.status_code == 202
    assert client.post(f"/plans/{first['id']}/solve", json={}, headers=coord).status_code == 409
    busy = client.post(f"/plans/{second['id']}/solve", json={}, headers=coord)
    assert busy.status_code == 429 and busy.headers["Retry-After"]
    cancelled = client.delete(f"/plans/{first['id']}/solve", headers=coord)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert client.get(f"/plans/{first['id']}", headers=coord).json["state"] == "draft"
    assert client.get(f"/plans/{first['id']}/jobs/nope", headers=coord).status_code == 404
    assert client.get("/plans/999999", headers=coord).status_code == 404
    assert client.get("/plans/99999999999", headers=coord).status_code == 404
    # Solve, publish, then repair after a withdrawal: a new version waits with its diff.
    solve_now(app, client, coord, second["id"])
    etag = client.get(f"/plans/{second['id']}", headers=coord).headers["ETag"]
    client.post(f"/plans/{second['id']}/publish", headers={**coord, "If-Match": etag})
    leaver = client.get(f"/plans/{second['id']}/assignments", headers=coord).json[0]
    repaired = client.post(f"/plans/{second['id']}/repair", headers=coord, json={
        "type": "withdraw", "volunteer_id": leaver["volunteer_id"]})
    assert repaired.status_code == 201, repaired.json
    assert repaired.json["plan"]["version"]["number"] == 2
    assert repaired.json["plan"]["state"] == "solved"
    removed = {r["volunteer_id"] for r in repaired.json["diff"]["removed"]}
    assert leaver["volunteer_id"] in removed
    diff = client.get(f"/plans/{second['id']}/diff?from=1&to=2", headers=coord).json
    assert diff["removed"] == repaired.json["diff"]["removed"]
    versions = client.get(f"/plans/{second['id']}/versions", headers=coord).json
    assert [(v["number"], v["state"]) for v in versions] == [(1, "published"), (2, "solved")]
    settings = client.patch(f"/plans/{second['id']}", headers=coord,
                            json={"auto_repair": True})
    assert settings.json["settings"] == {"auto_repair": True, "auto_publish": False}
    app.extensions["scheduler_engine"].dispose()


def test_the_api_works_on_both_databases(database_url: str, registry, tokens) -> None:
    upgrade(database_url)
    app = create_app({"DATABASE_URL": database_url, "REGISTRY_URL": registry.url,
                      "REGISTRY_PASSWORD": SERVICE_PASSWORD, "TESTING": True})
    client = app.test_client()
    coord = tokens["coord_a"]
    plan = create(client, coord, registry.ids["A"]).json
    solve_now(app, client, coord, plan["id"])
    etag = client.get(f"/plans/{plan['id']}", headers=coord).headers["ETag"]
    done = client.post(f"/plans/{plan['id']}/publish", headers={**coord, "If-Match": etag})
    assert done.status_code == 200 and done.json["events"] == 11
    assert client.get("/readyz").json == {"status": "ready"}
    app.extensions["scheduler_engine"].dispose()
