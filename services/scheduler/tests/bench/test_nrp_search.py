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


def test_a_plan_near_the_shortfall_bound_is_not_stuck_and_one_far_from_it_is(nrp_data):
    from scheduler.engine.weighted import _stuck

    built, start = _shortfall_step(nrp_data, "Instance2")
    found = start.terms["coverage"]
    assert found > 0
    start.bound = found / 2  # found = twice the bound: the steps left their start
    assert not _stuck(built, start, start)
    start.bound = 0.0  # as if both one-worker steps stalled far above the shortfall's bound
    assert _stuck(built, start, start)
    start.bound = None  # no bound: nothing to judge by
    assert not _stuck(built, start, start)


def test_the_last_step_takes_the_whole_portfolio_only_on_small_models(nrp_data, monkeypatch):
    from scheduler.engine import weighted
    from scheduler.engine.cpsat import Options

    built, _ = _shortfall_step(nrp_data, "Instance1")
    assert weighted._portfolio(built, Options(workers=2)) == weighted.PORTFOLIO_WORKERS
    assert weighted._portfolio(built, Options(workers=12)) == 12
    monkeypatch.setattr(weighted, "PORTFOLIO_MAX_VARIABLES",
                        len(built.ctx.model.proto.variables) - 1)
    assert weighted._portfolio(built, Options(workers=2)) == 2


@pytest.mark.slow
def test_a_stuck_start_is_set_aside_by_the_last_step_and_never_makes_the_plan_worse(
        nrp_data, monkeypatch):
    engine = pytest.importorskip("scheduler.engine")
    from scheduler.engine import weighted

    steps = []
    real_run = weighted.run

    def recorded(built, opts, **kwargs):
        hinted = len(built.ctx.model.proto.solution_hint.vars) > 0
        res = real_run(built, opts, **kwargs)
        steps.append((opts.num_workers(), hinted, res.objective))
        return res

    monkeypatch.setattr(weighted, "run", recorded)
    monkeypatch.setattr(weighted, "_stuck", lambda built, first, second: True)
    instance = nrp.load_instance(nrp_data / "Instance4.txt")
    plan = engine.solve(nrp.to_problem(instance), time_limit=8, seed=0, in_process=True,
                        workers=2)
    roster = nrp.roster_from_plan(instance, plan)
    assert nrp.check(instance, roster) == []
    assert plan["objective"]["value"] == pytest.approx(nrp.evaluate(instance, roster).total)
    assert len(steps) == 3
    (_, _, _), (_, _, second), (workers, hinted, _) = steps
    assert (workers, hinted) == (weighted.PORTFOLIO_WORKERS, False)
    assert plan["objective"]["value"] <= second + 1e-6
