"""Rebalancing phase 1's plan: places move to underloaded people only where no rule forbids it,
and the solve keeps coverage and passes the validator."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from scheduler.engine import solve, validate_plan
from scheduler.engine.build import build
from scheduler.engine.hint import complete
from scheduler.engine.problem import load_problem
from scheduler.engine.rebalance import rebalance
from scheduler.engine.score import score

TINY = Path(__file__).parent / "data" / "generated-tiny-seed1.json"
FAIR = {"fairness": 10}


def _ctx(data):
    return build(load_problem(data), hint=False).ctx


def _keys(ctx, triples):
    pos = ctx.ix.pos
    spos = {s.id: i for i, s in enumerate(ctx.problem.shifts)}
    return {(pos[v], spos[s], "tutor") for v, s in triples}


def _names(ctx, chosen):
    vols, shifts = ctx.problem.volunteers, ctx.problem.shifts
    return {(vols[vi].id, shifts[si].id) for vi, si, _ in chosen}


def test_an_idle_volunteer_takes_a_place_of_an_overloaded_one(mk):
    vols = [mk.volunteer("p1"), mk.volunteer("p2")]
    shifts = [mk.shift("s1"), mk.shift("s2", date="2026-03-03")]
    ctx = _ctx(mk.problem(vols, shifts, weights=FAIR))
    before = _keys(ctx, [("p1", "s1"), ("p1", "s2")])
    after = rebalance(ctx, before, time.perf_counter() + 5)
    assert len(after) == 2 and {si for _, si, _ in after} == {0, 1}  # both places still filled
    assert {vi for vi, _, _ in after} == {0, 1}  # one each
    assert complete(ctx, after, 2.0) is not None
    # Counted in rounds instead of seconds (deterministic solves): the same moves.
    assert rebalance(ctx, before, None, passes=3) == after
    assert rebalance(ctx, before, None, passes=0) == before
    stopped = threading.Event()
    stopped.set()  # a stop request ends the moves at once
    assert rebalance(ctx, before, time.perf_counter() + 5, stop=stopped) == before
    shares = ctx.fair_shares()
    assert score(ctx.problem, ctx.ix, after, shares=shares)["fairness"] < score(
        ctx.problem, ctx.ix, before, shares=shares)["fairness"]


@pytest.mark.parametrize("clash", [True, False])
def test_a_move_a_rule_forbids_is_never_made(mk, clash):
    # p1 holds s1 (pinned) and s2; p2 holds s3 and must reach 3 hours. Giving s2 to p2 evens
    # the load, unless s3 is at the same time as s2 (elsewhere): then nothing may move.
    vols = [mk.volunteer("p1"), mk.volunteer("p2", min_hours_total=3)]
    shifts = [mk.shift("s1"), mk.shift("s2", date="2026-03-03"),
              mk.shift("s3", date="2026-03-03" if clash else "2026-03-04", venue="v2")]
    data = mk.problem(vols, shifts, weights=FAIR,
                      pins=[{"volunteer_id": "p1", "shift_id": "s1", "skill": "tutor"}])
    ctx = _ctx(data)
    before = _keys(ctx, [("p1", "s1"), ("p1", "s2"), ("p2", "s3")])
    after = rebalance(ctx, before, time.perf_counter() + 5)
    if clash:
        assert after == before
    else:
        assert _names(ctx, after) == {("p1", "s1"), ("p2", "s2"), ("p2", "s3")}
        assert complete(ctx, after, 2.0) is not None


def test_a_repair_is_never_rebalanced(mk):
    vols = [mk.volunteer("p1"), mk.volunteer("p2")]
    shifts = [mk.shift("s1"), mk.shift("s2", date="2026-03-03")]
    previous = [{"volunteer_id": "p1", "shift_id": s, "skill": "tutor"} for s in ("s1", "s2")]
    ctx = _ctx(mk.problem(vols, shifts, weights=FAIR,
                           previous_plan={"assignments": previous}))
    before = _keys(ctx, [("p1", "s1"), ("p1", "s2")])
    assert rebalance(ctx, before, time.perf_counter() + 5) == before


def test_rebalanced_solves_keep_coverage_and_every_rule():
    data = json.loads(TINY.read_text(encoding="utf-8"))
    plan = solve(data, time_limit=6, in_process=True, workers=2)
    assert plan["solver"]["strategy"] == "lexicographic"
    assert validate_plan(data, plan) == []
    ctx = _ctx(data)
    # The rebalancing never changes how many places are filled.
    chosen = {(ctx.ix.pos[a["volunteer_id"]],
               next(i for i, s in enumerate(ctx.problem.shifts) if s.id == a["shift_id"]),
               a["skill"]) for a in plan["assignments"]}
    assert len(rebalance(ctx, chosen, time.perf_counter() + 5)) == len(chosen)


def test_a_chain_reaches_someone_who_cannot_take_the_place_itself(mk):
    # p1 holds two tutor places; p3 only does general work, held by p2, who also tutors:
    # p2 takes a tutor place from p1 and hands the general one to p3.
    vols = [mk.volunteer("p1"), mk.volunteer("p2", skills=["tutor", "general"]),
            mk.volunteer("p3", skills=["general"])]
    shifts = [mk.shift("s1"), mk.shift("s3", date="2026-03-03"),
              mk.shift("s2", date="2026-03-04", skill="general")]
    ctx = _ctx(mk.problem(vols, shifts, weights=FAIR))
    pos, spos = ctx.ix.pos, {s.id: i for i, s in enumerate(ctx.problem.shifts)}
    before = {(pos["p1"], spos["s1"], "tutor"), (pos["p1"], spos["s3"], "tutor"),
              (pos["p2"], spos["s2"], "general")}
    after = rebalance(ctx, before, time.perf_counter() + 5)
    assert sorted(v for v, _ in _names(ctx, after)) == ["p1", "p2", "p3"]
    assert ("p3", "s2") in _names(ctx, after)
    assert {(si, skill) for _, si, skill in after} == {(si, skill) for _, si, skill in before}
    assert complete(ctx, after, 2.0) is not None
