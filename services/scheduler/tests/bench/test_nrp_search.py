"""The engine's search on NRP instances: a complete start when the greedy plan breaks the
block rules, and the weighted strategy's steps (cover terms first, then the weighted sum)."""

from __future__ import annotations

import csv

import pytest

from scheduler.bench import nrp


def test_feasible_start_completes_a_hint_the_greedy_plan_cannot(nrp_data):
    engine = pytest.importorskip("scheduler.engine")
    from scheduler.engine.build import build
    from scheduler.engine.hint import feasible_start

    instance = nrp.load_instance(nrp_data / "Instance5.txt")
    problem = engine.load_problem(nrp.to_problem(instance))
    built = build(problem)
    ctx = built.ctx
    # The greedy pass ignores minimum blocks and totals, so it cannot be completed here.
    assert ctx.greedy_values is None
    assert feasible_start(ctx, 20.0, 1)
    values = ctx.greedy_values
    assert list(ctx.model.proto.solution_hint.values) == values
    roster = {(problem.volunteers[vi].id, problem.shifts[si].day, problem.shifts[si].kind)
              for (vi, si, _), var in ctx.x.items() if values[var.index]}
    assert roster
    assert nrp.check(instance, roster) == []


@pytest.mark.slow
def test_weighted_steps_reach_the_best_known_value_of_instance1(nrp_data):
    engine = pytest.importorskip("scheduler.engine")
    with (nrp_data / "best_known.csv").open(encoding="utf-8") as fh:
        best = {row["instance"]: int(row["best_known_solution"]) for row in csv.DictReader(fh)}
    instance = nrp.load_instance(nrp_data / "Instance1.txt")
    events = []
    plan = engine.solve(nrp.to_problem(instance), time_limit=8, seed=0, in_process=True,
                        workers=2, progress=events.append)
    roster = nrp.roster_from_plan(instance, plan)
    assert nrp.check(instance, roster) == []
    total = nrp.evaluate(instance, roster).total
    assert plan["objective"]["value"] == pytest.approx(total)
    assert total == best["Instance1"]
    assert plan["objective"]["bound"] <= total + 1e-6
    # The cover terms were searched on their own before the weighted sum.
    assert {e.get("phase") for e in events if e.get("event") == "solution"} >= {"coverage"}


def _shortfall_step(nrp_data, name):
    """A built NRP model minimising its shortfall alone, with the complete start plan."""
    engine = pytest.importorskip("scheduler.engine")
    from scheduler.engine.build import build
    from scheduler.engine.context import wsum
    from scheduler.engine.cpsat import RawResult, fill_from_values
    from scheduler.engine.hint import feasible_start

    problem = engine.load_problem(nrp.to_problem(nrp.load_instance(nrp_data / f"{name}.txt")))
    built = build(problem)
    assert feasible_start(built.ctx, 20.0, 1)
    built.ctx.model.minimize(wsum(built.ctx.terms["coverage"]))
    start = RawResult("FEASIBLE")
    fill_from_values(built.ctx, start, list(built.ctx.greedy_values))
    return built, start


def test_a_shortfall_step_near_its_bound_is_kept_as_it_is(nrp_data):
    from scheduler.engine.cpsat import Options
    from scheduler.engine.weighted import _restart_if_stuck

    built, start = _shortfall_step(nrp_data, "Instance1")
    start.bound = start.terms["coverage"] / 2  # found = twice the bound: not stuck
    assert _restart_if_stuck(built, Options(time_limit=10, workers=2), start,
                           started=0.0, progress=None,
                           stop=None) is start


def test_a_stuck_shortfall_step_is_continued_by_a_search_without_the_poor_start(nrp_data):
    import time

    from scheduler.engine.cpsat import Options
    from scheduler.engine.weighted import _restart_if_stuck

    built, start = _shortfall_step(nrp_data, "Instance2")
    assert start.terms["coverage"] > 0
    start.bound = 0.0  # as if the one-worker step stalled far above its bound
    events = []
    better = _restart_if_stuck(built, Options(time_limit=30, workers=2, seed=0), start,
                             started=time.perf_counter(), progress=events.append, stop=None)
    assert better is not start
    assert better.terms["coverage"] < start.terms["coverage"]
    assert {e["phase"] for e in events} == {"coverage"}
    roster = {(built.ctx.problem.volunteers[vi].id, built.ctx.problem.shifts[si].day,
               built.ctx.problem.shifts[si].kind) for vi, si, _ in better.chosen}
    instance = nrp.load_instance(nrp_data / "Instance2.txt")
    assert nrp.check(instance, roster) == []
