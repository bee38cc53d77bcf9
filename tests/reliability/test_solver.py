"""Solver rows of the fault catalogue (docs/reliability.md).

The service test runs the scheduler as deployed: the API under gunicorn, the outbox relay and
a solve worker as processes on real Redis. The solve child is crashed (SIGKILL, as the OOM
killer would) and hung (SIGSTOP, so it never answers) from outside; neither needs a hook in
the product.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Iterator
from typing import Any

import psutil
import pytest
import requests

from scheduler.bench.generator import generate
from scheduler.engine import solve, validate_plan
from scheduler.engine.runner import DEFAULT_MARGIN

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def test_hard_instance_with_a_short_limit_answers_in_time_with_its_best_plan() -> None:
    data = generate("county-week", seed=1)
    limit = 2.0
    started = time.monotonic()
    # The child is killed at limit + margin; a plan coming back at all means it answered.
    plan = solve(data, time_limit=limit)
    elapsed = time.monotonic() - started
    assert elapsed < limit + DEFAULT_MARGIN
    assert plan["status"] == "FEASIBLE", plan["solver"]
    assert plan["solver"]["total_seconds"] <= limit + 1.0
    assert plan["assignments"]
    assert validate_plan(data, plan) == []


def _solve_children(worker_pid: int) -> list[psutil.Process]:
    """The worker's solve child (multiprocessing spawn), once it runs."""
    try:
        children = psutil.Process(worker_pid).children()
    except psutil.Error:
        return []
    return [c for c in children if "multiprocessing" in " ".join(c.cmdline())
            and "resource_tracker" not in " ".join(c.cmdline())]


@pytest.fixture(scope="module")
def solving(stack: Any, module_procs: Any) -> Iterator[Any]:
    """The scheduler's outbox relay and one solve worker beside the shared stack."""
    env = {**stack.env("scheduler"), "SCHEDULER_RELAY_POLL_INTERVAL": "0.1"}
    module_procs.spawn("relay", [sys.executable, "-m", "scheduler.service", "relay"], env)
    module_procs.spawn("solver", [sys.executable, "-m", "scheduler.service", "solve-worker"],
                       env)
    yield module_procs
    assert module_procs.started["solver"].poll() is None, "the solve worker died"
    assert module_procs.stop("solver") == 0
    assert module_procs.stop("relay") == 0


def _solve(stack: Any, coord: dict[str, str], solving: Any, fault: int | None,
           time_limit: float) -> dict[str, Any]:
    """Create a week plan, request a solve, inject `fault` into the solve child, wait."""
    plans = stack.url("scheduler") + "/plans"
    week = {"community_ids": [stack.ids["A"]], "start": "2026-03-02", "end": "2026-03-06"}
    created = requests.post(plans, json=week, headers=coord, timeout=30)
    assert created.status_code == 201, created.text
    plan_id = created.json()["id"]
    deadline = time.monotonic() + 60
    # Room for one active job: another test's job may still be finishing.
    while (queued := requests.post(f"{plans}/{plan_id}/solve",
                                   json={"time_limit": time_limit}, headers=coord,
                                   timeout=30)).status_code == 429:
        assert time.monotonic() < deadline, queued.text
        time.sleep(0.5)
    assert queued.status_code == 202, queued.text
    if fault is not None:
        deadline = time.monotonic() + 60
        while not (children := _solve_children(solving.started["solver"].pid)):
            assert time.monotonic() < deadline, solving.logs()
            time.sleep(0.02)
        for child in children:
            child.send_signal(fault)
    deadline = time.monotonic() + 60
    while (job := requests.get(f"{plans}/{plan_id}/solve", headers=coord,
                               timeout=10).json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, (job, solving.logs())
        # The web side answers throughout.
        assert requests.get(stack.url("scheduler") + "/healthz", timeout=5).ok
        time.sleep(0.2)
    return job


def test_solver_crash_and_hang_fail_only_their_own_job(
    stack: Any, headers: dict[str, dict[str, str]], solving: Any
) -> None:
    coord = headers["coord_a"]
    crashed = _solve(stack, coord, solving, signal.SIGKILL, time_limit=10)
    assert crashed["status"] == "failed", crashed
    hung = _solve(stack, coord, solving, signal.SIGSTOP, time_limit=1)
    assert hung["status"] == "failed", hung
    fine = _solve(stack, coord, solving, None, time_limit=2)
    assert fine["status"] == "succeeded", (fine, solving.logs())
    assert solving.started["solver"].poll() is None, "the solve worker died with its child"


def test_contradictory_pins_are_refused_naming_the_rule_and_shift(
    stack: Any, headers: dict[str, dict[str, str]], solving: Any
) -> None:
    coord = headers["coord_a"]
    solved = _solve(stack, coord, solving, None, time_limit=2)
    assert solved["status"] == "succeeded", (solved, solving.logs())
    plan_url = f"{stack.url('scheduler')}/plans/{solved['plan_id']}"
    rows = requests.get(f"{plan_url}/assignments?date=2026-03-02", headers=coord,
                        timeout=30).json()
    shift_id = rows[0]["shift_id"]
    placed = {r["volunteer_id"] for r in rows if r["shift_id"] == shift_id}
    # Both tutors of the full class pinned, then a third pin that cannot hold with them.
    for volunteer_id in placed:
        pinned = requests.post(f"{plan_url}/edits", headers=coord, timeout=30, json={
            "action": "pin", "volunteer_id": volunteer_id, "shift_id": shift_id,
            "skill": "tutor"})
        assert pinned.status_code == 200, pinned.text
    others = requests.get(f"{plan_url}/assignments?date=2026-03-03", headers=coord,
                          timeout=30).json()
    third = next(r["volunteer_id"] for r in others if r["volunteer_id"] not in placed)
    before = requests.get(plan_url, headers=coord, timeout=30).json()
    refused = requests.post(f"{plan_url}/edits", headers=coord, timeout=30, json={
        "action": "pin", "volunteer_id": third, "shift_id": shift_id, "skill": "tutor"})
    assert refused.status_code == 422, refused.text
    errors = refused.json()["errors"]
    assert errors["rules"] == ["need_max"]
    assert [v["shift_id"] for v in errors["violations"]] == [str(shift_id)]
    # Nothing of the refused edit was stored.
    assert requests.get(plan_url, headers=coord, timeout=30).json() == before
