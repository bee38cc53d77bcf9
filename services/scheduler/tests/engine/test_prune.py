"""Candidate pruning on large problems keeps pins and a per-place quota, and plans stay valid."""

from __future__ import annotations

from scheduler.engine import load_problem, solve, validate_plan
from scheduler.engine.index import VolunteerIndex, eligibility
from scheduler.engine.prune import AT_LEAST, prune


def _crowd(mk, n=45):
    vols = [mk.volunteer(f"p{i:02d}", home={"lat": 25.79 + i * 0.001, "lon": 114.54})
            for i in range(n)]
    shifts = [mk.shift("s1", need_min=2, need_max=3), mk.shift("s2", date="2026-03-03")]
    pins = [{"volunteer_id": f"p{n - 1:02d}", "shift_id": "s1", "skill": "tutor"}]
    return mk.problem(vols, shifts, pins=pins)


def test_prune_keeps_quota_and_pins(mk):
    prob = load_problem(_crowd(mk))
    ix = VolunteerIndex(prob)
    full = eligibility(prob, ix)
    cut, dropped = prune(prob, ix, full, above=0)
    assert dropped == sum(len(e.eligible) for e in full) - sum(len(e.eligible) for e in cut)
    for e in cut:
        assert len(e.eligible) <= AT_LEAST + 1
    assert ix.pos["p44"] in cut[0].eligible  # the pinned, farthest volunteer is kept
    assert ix.pos["p00"] in cut[0].eligible  # the nearest is kept


def test_pruned_solve_is_valid_and_says_so(mk):
    data = _crowd(mk)
    plan = solve(data, in_process=True, deterministic=True, prune_above=0)
    assert plan["solver"]["pruned"] > 0
    assert plan["unfilled"] == []
    assert validate_plan(data, plan) == []
