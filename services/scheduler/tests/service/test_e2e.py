"""End to end: the real registry with the seeded demo county, real Redis, the API under
gunicorn, two solve-worker processes and the outbox relay. A month plan is solved by a worker
and published; exactly one `assignment.assigned` per assignment reaches a queue bound to
`linli.events`; publishing again sends nothing; a worker killed mid-solve loses nothing; a
relay killed between the commit and the relay publishes every event once after a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.service.db import make_engine
from scheduler.service.models import OUTBOX, SolveJob

from .registry_world import DEMO_PASSWORD, RegistryServer, demo_county
from .system import EventTap, Scheduler, wait_until
from .test_api import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
MONTH = {"start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """The real registry with the demo county."""
    path = tmp_path_factory.mktemp("registry") / "registry.db"
    server = RegistryServer(f"sqlite:///{path}").start(demo_county)
    yield server
    server.stop()


@pytest.fixture
def system(tmp_path: Path, redis_url: str, registry: RegistryServer) -> Iterator[Scheduler]:
    """API, relay and two solve workers as separate processes."""
    scheduler = Scheduler(tmp_path, registry.url, redis_url).start(workers=2)
    try:
        yield scheduler
    finally:
        scheduler.stop()
        print(scheduler.logs())


@pytest.fixture
def tap(redis_url: str) -> Iterator[EventTap]:
    """A test queue receiving every assignment.assigned event."""
    queue = EventTap(redis_url, "test.assigned", ("assignment.assigned",))
    yield queue
    queue.close()


@pytest.fixture
def coord(registry: RegistryServer) -> dict[str, str]:
    """The coordinator of 幸福社区, logged in at the registry."""
    return login(registry, "coord_xingfu", DEMO_PASSWORD)


def _outbox(system: Scheduler) -> list[sa.Row]:
    engine = make_engine(system.database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(OUTBOX.c.id, OUTBOX.c.type,
                                               OUTBOX.c.published_at)))
    finally:
        engine.dispose()


def _job(system: Scheduler, job_id: str) -> sa.Row | None:
    engine = make_engine(system.database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(SolveJob.status, SolveJob.worker_id,
                                          SolveJob.attempt).where(SolveJob.id == job_id)).first()
    finally:
        engine.dispose()


def _assignments(system: Scheduler, coord: dict[str, str], plan_id: int) -> list[dict]:
    rows: list[dict] = []
    page = 1
    while True:
        batch = system.call("GET", f"/plans/{plan_id}/assignments?page={page}&page_size=500",
                            coord).json()
        rows.extend(batch)
        if len(batch) < 500:
            return rows
        page += 1


def _all_relayed(system: Scheduler) -> bool:
    return all(row.published_at is not None for row in _outbox(system))


def _create_and_solve(system: Scheduler, registry: RegistryServer, coord: dict[str, str],
                      time_limit: float = 2) -> dict:
    created = system.call("POST", "/plans", coord,
                          json={"community_ids": [registry.ids["A"]], **MONTH})
    assert created.status_code == 201, created.text
    plan = created.json()
    queued = system.call("POST", f"/plans/{plan['id']}/solve", coord,
                         json={"time_limit": time_limit})
    assert queued.status_code == 202, queued.text
    job = wait_until(lambda: (lambda j: j if j["status"] in ("succeeded", "failed") else None)(
        system.call("GET", f"/plans/{plan['id']}/solve", coord).json()))
    assert job["status"] == "succeeded", job
    return system.call("GET", f"/plans/{plan['id']}", coord)


def test_month_plan_solved_by_a_worker_and_published_exactly_once(
    system: Scheduler, registry: RegistryServer, coord: dict[str, str], tap: EventTap
) -> None:
    plan = _create_and_solve(system, registry, coord)
    body = plan.json()
    assert body["state"] == "solved" and body["shift_count"] > 100
    rows = _assignments(system, coord, body["id"])
    assert len(rows) == body["version"]["assignment_count"] > 100
    published = system.call("POST", f"/plans/{body['id']}/publish",
                            {**coord, "If-Match": plan.headers["ETag"]})
    assert published.status_code == 200, published.text
    assert published.json()["events"] == len(rows) + 1
    wait_until(lambda: _all_relayed(system))
    events = tap.drain()
    assert sorted(e["payload"]["assignment_id"] for e in events) == sorted(
        r["assignment_id"] for r in rows)
    assert len({e["id"] for e in events}) == len(rows)
    shift = events[0]["payload"]["shift"]
    assert shift["venue_name"] and shift["start"] and shift["activity_name"]
    # Publishing again is a no-op: no new outbox rows, nothing on the queue.
    count = len(_outbox(system))
    again = system.call("POST", f"/plans/{body['id']}/publish",
                        {**coord, "If-Match": plan.headers["ETag"]})
    assert again.status_code == 200 and again.json()["events"] == 0
    assert len(_outbox(system)) == count
    wait_until(lambda: _all_relayed(system))
    assert tap.drain() == []


def test_a_worker_killed_mid_solve_loses_nothing(
    system: Scheduler, registry: RegistryServer, coord: dict[str, str]
) -> None:
    created = system.call("POST", "/plans", coord,
                          json={"community_ids": [registry.ids["A"]], **MONTH}).json()
    job = system.call("POST", f"/plans/{created['id']}/solve", coord,
                      json={"time_limit": 3}).json()
    running = wait_until(lambda: (lambda r: r if r and r.status == "running" else None)(
        _job(system, job["id"])), interval=0.02)
    victim_pid = int(running.worker_id.split(":")[1])
    victim = next(n for n, p in system.processes.items() if p.pid == victim_pid)
    system.kill(victim)
    done = wait_until(lambda: (lambda r: r if r.status in ("succeeded", "failed") else None)(
        _job(system, job["id"])))
    assert done.status == "succeeded"
    assert done.attempt == 2
    assert int(done.worker_id.split(":")[1]) != victim_pid
    plan = system.call("GET", f"/plans/{created['id']}", coord).json()
    assert plan["state"] == "solved" and plan["version"]["assignment_count"] > 100
    # A long solve can be cancelled while it runs; the solved version stays as it was.
    again = system.call("POST", f"/plans/{created['id']}/solve", coord,
                        json={"time_limit": 120}).json()
    wait_until(lambda: (lambda r: r and r.status == "running")(_job(system, again["id"])),
               interval=0.05)
    assert system.call("DELETE", f"/plans/{created['id']}/solve", coord).status_code == 200
    stopped = wait_until(lambda: (lambda r: r if r.status != "running" else None)(
        _job(system, again["id"])), timeout=60)
    assert stopped.status == "cancelled"
    plan = system.call("GET", f"/plans/{created['id']}", coord).json()
    assert plan["state"] == "solved"


def test_service_killed_between_commit_and_relay_publishes_every_event_once(
    system: Scheduler, registry: RegistryServer, coord: dict[str, str], tap: EventTap
) -> None:
    plan = _create_and_solve(system, registry, coord)
    count = plan.json()["version"]["assignment_count"]
    wait_until(lambda: _all_relayed(system))
    system.kill("relay")
    published = system.call("POST", f"/plans/{plan.json()['id']}/publish",
                            {**coord, "If-Match": plan.headers["ETag"]})
    assert published.status_code == 200 and published.json()["events"] == count + 1
    # The whole service goes down right after the commit.
    system.kill("api")
    waiting = [r for r in _outbox(system) if r.published_at is None]
    assert len(waiting) == count + 1
    assert tap.drain() == []
    system.start_relay()
    wait_until(lambda: _all_relayed(system))
    events = tap.drain()
    assigned = {r.id for r in waiting if r.type == "assignment.assigned"}
    assert len(events) == count
    assert {e["id"] for e in events} == assigned

