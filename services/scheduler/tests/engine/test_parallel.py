"""Independent parts solved in parallel worker processes: merged plan, progress, stop requests,
and no worker outliving a killed solve."""

from __future__ import annotations

import os
import threading
import time

import pytest

from scheduler.engine import SolveFailed, validate_plan
from scheduler.engine.cpsat import Options
from scheduler.engine.pipeline import solve_problem
from scheduler.engine.problem import load_problem
from scheduler.engine.runner import solve_in_child

pytestmark = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two CPUs")


def _two_communities(mk):
    """Two communities sharing no volunteers (different skills), each a few dozen pairs."""
    vols, shifts = [], []
    for skill, venue in (("tutor", "v1"), ("general", "v2")):
        vols += [mk.volunteer(f"{skill}{i}", skills=[skill], max_hours_week=4.5)
                 for i in range(12)]
        shifts += [mk.shift(f"{skill}-{d}{t}", date=f"2026-03-0{d + 2}", venue=venue,
                            skill=skill, start=t and "09:00" or "16:30",
                            end=t and "10:30" or "18:00", need_min=2, need_max=3)
                   for d in range(5) for t in (0, 1)]
    return mk.problem(vols, shifts, weights={"fairness": 10, "proximity": 1})


def test_parts_are_solved_in_parallel_and_merged(mk):
    data = _two_communities(mk)
    events = []
    plan = solve_in_child(load_problem(data), Options(time_limit=8, workers=2, parallel=True),
                          progress=events.append)
    assert plan["solver"]["components"] == 2
    assert plan["solver"]["processes"] == 2
    assert validate_plan(data, plan) == []
    skills = {a["skill"] for a in plan["assignments"]}
    assert skills == {"tutor", "general"}
    assert sum(plan["objective"]["terms"].values()) == pytest.approx(plan["objective"]["value"])
    assert events and all(e["parts"] == 2 for e in events)
    # The same parts solved one after another reach the same coverage.
    alone = solve_problem(load_problem(data), Options(time_limit=8, deterministic=True))
    assert alone["solver"]["processes"] == 1
    assert plan["objective"]["terms"]["coverage"] == alone["objective"]["terms"]["coverage"]


def test_parallel_stop_request_keeps_best_plans(mk):
    data = _two_communities(mk)
    stop = threading.Event()
    plan = solve_problem(load_problem(data), Options(time_limit=30, workers=2, parallel=True),
                         progress=lambda event: stop.set(), stop=stop)
    assert plan["solver"]["stopped"] == "stop requested"
    assert plan["solver"]["total_seconds"] < 20
    assert validate_plan(data, plan) == []


def test_parallel_progress_callback_error_stops_cleanly(mk):
    data = _two_communities(mk)

    def boom(event):
        raise RuntimeError("display went away")

    plan = solve_problem(load_problem(data), Options(time_limit=30, workers=2, parallel=True),
                         progress=boom)
    assert "progress callback raised RuntimeError" in plan["solver"]["stopped"]
    assert validate_plan(data, plan) == []


def _descendants(root: int) -> set[int]:
    """Live processes below `root` (by parent pid), skipping multiprocessing's tracker."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{name}/cmdline", "rb") as fh:
                cmd = fh.read()
        except OSError:
            continue
        if b"resource_tracker" not in cmd:
            children.setdefault(ppid, []).append(int(name))
    found, todo = set(), [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            found.add(pid)
            todo.append(pid)
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_killing_a_solve_takes_its_part_workers_down(mk):
    data = _two_communities(mk)
    seen: set[int] = set()
    done = threading.Event()
    # Servers other tests' fixtures started (a session Redis, say) are not the solve's.
    already = set(_descendants(os.getpid()))

    def watch() -> None:
        while not done.wait(0.05):
            seen.update(set(_descendants(os.getpid())) - already)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        with pytest.raises(SolveFailed, match="hard limit"):
            solve_in_child(load_problem(data),
                           Options(time_limit=1, workers=2, parallel=True, test_hang_parts=60),
                           hard_margin=3)
    finally:
        done.set()
        watcher.join()
    assert len(seen) >= 3  # the solve child and its two part workers
    deadline = time.monotonic() + 3
    while any(_alive(pid) for pid in seen) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in seen if _alive(pid)]


def _jobs(*sizes):
    from scheduler.engine.parts import PartJob

    return [PartJob(k, None, [], None, None, None, n) for k, n in enumerate(sizes)]


def test_parts_go_in_turn_when_parallel_would_not_pay():
    from scheduler.engine.parallel import processes_for

    assert processes_for(_jobs(50_000), Options(workers=2)) == 1
    assert processes_for(_jobs(50_000, 300, 200), Options(workers=2)) == 1  # too small beside
    assert processes_for(_jobs(5_000, 4_000), Options(workers=2, deterministic=True)) == 1
    assert processes_for(_jobs(5_000, 4_000), Options(workers=1)) == 1
    assert processes_for(_jobs(5_000, 4_000), Options(workers=2, parallel=False)) == 1
    assert processes_for(_jobs(5_000, 4_000), Options(workers=2)) == 2
    assert processes_for(_jobs(50_000, 30, 20), Options(workers=2, parallel=True)) == 2


def test_parts_are_dealt_largest_first_to_the_least_loaded_worker():
    from scheduler.engine.parallel import deal

    bins = deal(_jobs(10, 40, 30, 20), 2)
    assert [[j.variables for j in b] for b in bins] == [[10, 40], [20, 30]]
