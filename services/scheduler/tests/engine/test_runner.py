"""Solving in a child process: hard kill on hang, progress, stop requests, callback errors,
and the size cap."""

from __future__ import annotations

import threading

import pytest

from scheduler.engine import ProblemTooLarge, SolveFailed, solve, validate_plan


def _medium(mk):
    vols = [mk.volunteer(f"p{i}", max_hours_week=4.5) for i in range(12)]
    shifts = [mk.shift(f"s{d}{v}{t}", date=f"2026-03-0{d + 2}", venue=f"v{v}",
                       start=t and "09:00" or "16:30", end=t and "10:30" or "18:00",
                       need_min=2, need_max=3)
              for d in range(5) for v in (1, 2) for t in (0, 1)]
    return mk.problem(vols, shifts, weights={"fairness": 10, "proximity": 1})


def test_child_solve_returns_a_valid_plan_and_reports_progress(mk):
    data = _medium(mk)
    events = []
    plan = solve(data, time_limit=5, deterministic=True, progress=events.append)
    assert plan["status"] in ("OPTIMAL", "FEASIBLE")
    assert validate_plan(data, plan) == []
    assert events and {"objective", "bound", "elapsed"} <= set(events[0])


def test_hung_child_is_killed_at_the_hard_limit(mk):
    data = mk.problem([mk.volunteer("p1")], [mk.shift("s1")])
    with pytest.raises(SolveFailed, match="hard limit"):
        solve(data, time_limit=0.2, hard_margin=0.5, _test_hang=60)


def test_exception_in_progress_callback_stops_cleanly(mk):
    data = _medium(mk)

    def boom(event):
        raise RuntimeError("display went away")

    plan = solve(data, time_limit=20, workers=2, progress=boom)
    assert "progress callback raised RuntimeError" in plan["solver"]["stopped"]
    assert validate_plan(data, plan) == []


def test_exception_in_progress_callback_in_process(mk):
    data = _medium(mk)

    def boom(event):
        raise ValueError("bad")

    plan = solve(data, time_limit=20, workers=2, progress=boom, in_process=True)
    assert "progress callback raised ValueError" in plan["solver"]["stopped"]
    assert validate_plan(data, plan) == []


def test_stop_event_keeps_best_plan(mk):
    data = _medium(mk)
    stop = threading.Event()

    def on_progress(event):
        stop.set()

    plan = solve(data, time_limit=30, workers=2, progress=on_progress, stop_event=stop,
                 in_process=True)
    assert plan["solver"]["stopped"] == "stop requested"
    assert plan["status"] == "FEASIBLE"
    assert validate_plan(data, plan) == []


def test_size_cap_refuses_before_building(mk):
    data = _medium(mk)
    with pytest.raises(ProblemTooLarge, match="too large"):
        solve(data, max_variables=10, in_process=True)
    with pytest.raises(ProblemTooLarge):
        solve(data, max_variables=10)  # the child's refusal reaches the caller as the same type


def test_greedy_plan_is_the_fallback_when_search_finds_nothing(mk):
    from scheduler.engine.build import build
    from scheduler.engine.cpsat import RawResult, greedy_fallback
    from scheduler.engine.problem import load_problem

    built = build(load_problem(_medium(mk)))
    assert built.ctx.greedy_values is not None
    plan = greedy_fallback(built, RawResult("UNKNOWN"))
    assert plan.status == "FEASIBLE" and plan.chosen
    assert "greedy" in plan.stopped


def test_solve_handle_stop(mk):
    from scheduler.engine.cpsat import Options
    from scheduler.engine.problem import load_problem
    from scheduler.engine.runner import SolveHandle

    handle = SolveHandle(load_problem(_medium(mk)), Options(time_limit=30, workers=2))
    handle.stop()
    plan = handle.result(timeout=60)
    assert plan["solver"]["stopped"] == "stop requested"
