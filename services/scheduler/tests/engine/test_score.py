"""Objective terms priced from the assignments, the fairness cuts, and the size count."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from scheduler.engine import ProblemTooLarge, solve
from scheduler.engine.build import build
from scheduler.engine.cpsat import COVERAGE_TERMS, Options, RawResult, fill_from_values, run
from scheduler.engine.index import VolunteerIndex, eligibility
from scheduler.engine.objective import nearest_loads, single_shift_slopes, true_helpers
from scheduler.engine.problem import load_problem
from scheduler.engine.prune import prune
from scheduler.engine.score import score
from scheduler.engine.size import check_size, count_variables, upper_estimate

TINY = Path(__file__).parent / "data" / "generated-tiny-seed1.json"
ALL_WEIGHTS = {"coverage": 1000, "over_cover": 3, "fairness": 10, "preference": 5,
               "requests": 1, "continuity": 5, "proximity": 1, "mentoring": 2, "stability": 50}


def _tiny(**changes):
    data = json.loads(TINY.read_text(encoding="utf-8"))
    data.update(changes)
    return data


def test_terms_by_hand(mk):
    # p1 (newcomer, prefers v2, wants Tuesday, partner p2) works s1 at v1 alone on Monday;
    # p2 and p3 do nothing; s2 (Tuesday, 2 places) stays empty.
    vols = [mk.volunteer("p1", experienced=False, preferences={
                "venues": ["v2"], "partners": ["p2"],
                "shift_requests": [{"date": "2026-03-03", "want": True, "weight": 3}]}),
            mk.volunteer("p2"), mk.volunteer("p3")]
    shifts = [mk.shift("s1", start="09:00", end="11:00", group_id="g1"),
              mk.shift("s2", date="2026-03-03", need_min=2, group_id="g2")]
    problem = load_problem(mk.problem(vols, shifts, weights=ALL_WEIGHTS))
    ix = VolunteerIndex(problem)
    # Demand 1 x 120 + 2 x 90 = 300 minutes over 3 people: 100 minutes each.
    terms = score(problem, ix, [(0, 0, "tutor")], shares={0: 100, 1: 100, 2: 100})
    assert terms["coverage"] == 2 * 1000
    assert terms["fairness"] == 10 * (20 + 100 + 100) / 60
    assert terms["preference"] == 5 + 5  # not a preferred venue; partner could have come
    assert terms["requests"] == 3
    assert terms["mentoring"] == 2
    assert terms["continuity"] == 0 and terms.get("proximity", 0) == 0
    # p1 now in both groups (one extra) and with p2 on s1; s1 one over its min.
    two = [(0, 0, "tutor"), (1, 0, "tutor"), (0, 1, "tutor"), (2, 1, "tutor")]
    terms = score(problem, ix, two, shares={0: 100, 1: 100, 2: 100})
    assert terms["continuity"] == 5 and terms["coverage"] == 0 and terms["over_cover"] == 3
    assert terms["mentoring"] == 0 and terms["requests"] == 0
    assert terms["preference"] == 5 + 5 + 5  # two shifts away from v2, p2 not on s2


def test_reported_terms_ignore_inflated_helpers():
    # Phase 1 minimises coverage only: the other helpers are free. Whatever values they take,
    # the reported terms are the assignment's own.
    built = build(load_problem(_tiny()))
    ctx = built.ctx
    ctx.model.minimize(sum(coef * var for name in COVERAGE_TERMS
                           for coef, var in ctx.terms.get(name, [])))
    raw = run(built, Options(time_limit=5, deterministic=True))
    assert raw.chosen
    expected = score(ctx.problem, ctx.ix, raw.chosen, shares=ctx.fair_shares(),
                     pairs=set(ctx.works_vars))
    assert raw.terms == expected
    values = list(raw.values)
    for dev, _, _ in ctx.deviations:
        values[dev.index] += 1000  # what a one-sided helper may hold in a poor solution
    for short in ctx.shortfall.values():
        values[short.index] += 1
    again = RawResult("FEASIBLE")
    fill_from_values(ctx, again, values)
    assert again.terms == expected
    assert again.objective == pytest.approx(sum(expected.values()))
    # The hand-over to phase 2 puts deviations and shortfalls back to their true values.
    true_helpers(ctx, values, raw.chosen)
    for dev, vi, share in ctx.deviations:
        load = sum(ctx.problem.shifts[si].minutes for si in {si for v, si, _ in raw.chosen
                                                             if v == vi})
        assert values[dev.index] == abs(load - share)
    filled = {}
    for _, si, skill in raw.chosen:
        filled[(si, skill)] = filled.get((si, skill), 0) + 1
    for (si, skill), short in ctx.shortfall.items():
        need = next(n for n in ctx.problem.shifts[si].needs if n.skill == skill)
        assert values[short.index] == max(0, need.min - filled.get((si, skill), 0))


def _small_all_terms(mk):
    """Six people and five shifts that touch every weighted term."""
    home = {"lat": 25.80, "lon": 114.54}
    vols = [mk.volunteer("p1", experienced=False, home=home, preferences={
                "venues": ["v2"], "partners": ["p2"],
                "shift_requests": [{"date": "2026-03-03", "want": True, "weight": 3}]}),
            mk.volunteer("p2", home=home, max_hours_week=3),
            mk.volunteer("p3", experienced=False, preferences={"avoid_venues": ["v1"]}),
            mk.volunteer("p4", home={"lat": 25.85, "lon": 114.54}),
            mk.volunteer("p5", preferences={"shift_requests": [
                {"date": "2026-03-02", "want": False, "weight": 2}]}),
            mk.volunteer("p6", experienced=False)]
    shifts = [mk.shift("s1", need_min=2, need_max=3, group_id="g1"),
              mk.shift("s2", venue="v2", need_min=2, group_id="g2"),
              mk.shift("s3", date="2026-03-03", need_min=2, group_id="g1"),
              mk.shift("s4", date="2026-03-03", start="09:00", end="12:00", venue="v2"),
              mk.shift("s5", date="2026-03-04", need_min=3, group_id="g2")]
    prev = {"assignments": [{"volunteer_id": "p4", "shift_id": "s1", "skill": "tutor"},
                            {"volunteer_id": "p5", "shift_id": "s5", "skill": "tutor"}]}
    return mk.problem(vols, shifts, weights=ALL_WEIGHTS, previous_plan=prev)


def test_proven_optimum_equals_the_assignment_price(mk):
    # Weighted solve to optimality: CP-SAT's proven objective is the priced plan.
    data = {**_small_all_terms(mk), "strategy": "weighted"}
    plan = mk.run(data, time_limit=30)
    assert plan["status"] == "OPTIMAL"
    terms = plan["objective"]["terms"]
    assert all(terms.get(name, 0) > 0 for name in ("fairness", "preference", "proximity",
                                                   "stability"))
    assert plan["objective"]["value"] == pytest.approx(plan["objective"]["bound"], abs=1e-6)
    assert plan["objective"]["value"] == pytest.approx(sum(terms.values()), abs=1e-3)


def test_lexicographic_bound_adds_the_other_terms_bound():
    plan = solve(_tiny(), time_limit=6, in_process=True, deterministic=True)
    assert plan["solver"]["coverage_status"] == "OPTIMAL"
    terms, objective = plan["objective"]["terms"], plan["objective"]
    # Above the coverage floor: phase 2's bound on the other terms is added to it.
    assert terms["coverage"] < objective["bound"] <= objective["value"] + 1e-6
    if plan["status"] == "OPTIMAL":
        assert objective["bound"] == pytest.approx(objective["value"], abs=1e-6)


@pytest.mark.parametrize("lengths", [[90, 120, 180], [120, 120, 90, 90], [60], [], [45, 300]])
def test_nearest_loads_and_hull_cut_hold_for_every_reachable_load(lengths):
    for share in range(0, sum(lengths) + 40, 7):
        below, above = nearest_loads(lengths, share)
        reachable = {sum(c) for k in range(len(lengths) + 1)
                     for c in itertools.combinations(lengths, k)}
        assert below == max(x for x in reachable if x <= share)
        bigger = [x for x in reachable if x >= share]
        assert above == (min(bigger) if bigger else None)
        if above is None or not below < share < above:
            continue
        span = above - below
        for load in reachable:  # the cut never removes a real plan
            assert span * abs(load - share) >= span * (share - below) + (
                above + below - 2 * share) * (load - below)


@pytest.mark.parametrize("lengths", [[90, 120, 180], [150, 150, 90], [60], [], [25, 300, 45]])
@pytest.mark.parametrize("share", [0, 20, 106, 150, 400])
def test_single_shift_cut_is_exact_up_to_one_shift_and_never_cuts_a_plan(lengths, share):
    slopes = single_shift_slopes(lengths, share)
    for k in range(len(lengths) + 1):
        for picked in itertools.combinations(range(len(lengths)), k):
            load = sum(lengths[i] for i in picked)
            floor = share + sum(slopes[i] for i in picked)
            assert floor <= abs(load - share)
            if k <= 1:
                assert floor == abs(load - share)


def test_variable_count_follows_the_build(mk):
    vols = [mk.volunteer(f"p{i}") for i in range(6)]
    vols.append(mk.volunteer("kid", skills=["cook"]))
    shifts = [mk.shift(f"s{i}", date=f"2026-03-0{i + 2}", need_min=2) for i in range(4)]
    pins = [{"volunteer_id": "p0", "shift_id": "s0", "skill": "tutor"},
            {"volunteer_id": "kid", "shift_id": "s1", "skill": "tutor"}]  # ineligible pin
    data = mk.problem(vols, shifts, pins=pins)
    problem = load_problem(data)
    ix = VolunteerIndex(problem)
    elig = eligibility(problem, ix)
    built = build(problem, ix=ix, elig=elig, hint=False)
    assert count_variables(problem, elig) == len(built.ctx.x) == 4 * 6 + 1
    assert upper_estimate(problem) >= len(built.ctx.x)
    # Pruned: each place keeps its quota; the count is what the build then creates.
    considered, dropped = prune(problem, ix, elig, above=0)
    assert dropped == 0  # 6 candidates are under the quota of 20
    assert check_size(problem, considered) == len(built.ctx.x)
    with pytest.raises(ProblemTooLarge, match="25 assignment variables"):
        check_size(problem, None, max_variables=24)
    # The cheap bound (26: both pins counted) is above 25, so the exact count decides.
    assert upper_estimate(problem) == 26
    assert check_size(problem, None, max_variables=25) == 25
    plan = solve(data, time_limit=5, in_process=True, deterministic=True)
    assert plan["solver"]["estimated_variables"] == plan["solver"]["variables"] == 25


def test_upper_estimate_counts_pruning_quota():
    problem = load_problem(_tiny())
    ix = VolunteerIndex(problem)
    elig = eligibility(problem, ix)
    for above in (0, 10, 10_000):
        considered, _ = prune(problem, ix, elig, above)
        assert upper_estimate(problem, above) >= count_variables(problem, considered)
