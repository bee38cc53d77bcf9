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
