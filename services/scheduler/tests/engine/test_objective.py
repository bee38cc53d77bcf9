"""Objective terms: NRP-exact form, fairness, preferences, continuity, mentoring, stability."""

from __future__ import annotations

ZERO = {"fairness": 0, "preference": 0, "continuity": 0, "proximity": 0, "mentoring": 0,
        "stability": 0}


def test_nrp_form_objective_is_exact(mk):
    # Two day shifts; p1 asked for Monday off (weight 7), cover weight 100 under, 30 over.
    vols = [mk.volunteer("p1", preferences={"shift_requests": [
        {"date": "2026-03-02", "kind": "D", "want": False, "weight": 7}]}),
        mk.volunteer("p2", preferences={"shift_requests": [
            {"date": "2026-03-03", "kind": "D", "want": True, "weight": 4}]})]
    shifts = [
        {**mk.shift("s1", kind="D", need_min=2, need_max=2),
         "needs": [{"skill": "tutor", "min": 2, "max": 2, "weight_under": 100,
                    "weight_over": 30}]},
        {**mk.shift("s2", kind="D", date="2026-03-03", need_min=0, need_max=2),
         "needs": [{"skill": "tutor", "min": 0, "max": 2, "weight_under": 100,
                    "weight_over": 30}]},
    ]
    plan = mk.run(mk.problem(vols, shifts, weights={**ZERO, "requests": 1}))
    # Best: both on s1 (pay p1's request 7), p2 on s2 (pays excess 30 > request 4, so skip).
    assert plan["status"] == "OPTIMAL"
    assert plan["solver"]["strategy"] == "weighted"
    assert plan["objective"]["value"] == 7 + 4
    terms = plan["objective"]["terms"]
    assert terms["coverage"] == 0 and terms["requests"] == 11 and terms.get("over_cover", 0) == 0


def test_requests_can_outweigh_coverage_in_weighted_mode(mk):
    vols = [mk.volunteer("p1", preferences={"shift_requests": [
        {"date": "2026-03-02", "want": False, "weight": 500}]})]
    shifts = [{**mk.shift("s1"), "needs": [{"skill": "tutor", "min": 1, "max": 1,
                                            "weight_under": 100}]}]
    plan = mk.run(mk.problem(vols, shifts, weights=ZERO))
    assert plan["assignments"] == [] and plan["objective"]["value"] == 100


def test_preferred_venue_and_avoided_venue(mk):
    vols = [mk.volunteer("p1", preferences={"venues": ["v2"]}),
            mk.volunteer("p2", preferences={"avoid_venues": ["v2"]})]
    shifts = [mk.shift("s1", start="09:00", end="10:00"),
              mk.shift("s2", start="09:00", end="10:00", venue="v2")]
    plan = mk.run(mk.problem(vols, shifts, weights={"preference": 5}))
    assert mk.pairs(plan) == {("p1", "s2"), ("p2", "s1")}
    assert plan["objective"]["terms"].get("preference", 0) == 0


def test_partners_work_together(mk):
    vols = [mk.volunteer("p1", preferences={"partners": ["p2"]}), mk.volunteer("p2"),
            mk.volunteer("p3")]
    shifts = [mk.shift("s1", need_min=2, need_max=2),
              mk.shift("s2", venue="v2", need_min=1)]  # same time: everyone works once
    plan = mk.run(mk.problem(vols, shifts, weights={"preference": 5}))
    assert mk.pairs(plan) == {("p1", "s1"), ("p2", "s1"), ("p3", "s2")}


def test_continuity_keeps_tutor_with_group(mk):
    vols = [mk.volunteer("p1", max_hours_week=3), mk.volunteer("p2", max_hours_week=3)]
    shifts = [mk.shift("a1", group_id="g1"), mk.shift("b1", group_id="g2", venue="v2"),
              mk.shift("a2", date="2026-03-03", group_id="g1"),
              mk.shift("b2", date="2026-03-03", group_id="g2", venue="v2")]
    plan = mk.run(mk.problem(vols, shifts, weights={"continuity": 5}))
    groups = {}
    for a in plan["assignments"]:
        groups.setdefault(a["volunteer_id"], set()).add(a["shift_id"][0])
    assert all(len(g) == 1 for g in groups.values())
    assert plan["objective"]["terms"].get("continuity", 0) == 0


def test_mentoring_pairs_newcomer_with_experienced(mk):
    vols = [mk.volunteer("n1", experienced=False), mk.volunteer("n2", experienced=False),
            mk.volunteer("e1", experienced=True), mk.volunteer("e2", experienced=True)]
    shifts = [mk.shift("s1", need_min=2, need_max=2),
              mk.shift("s2", need_min=2, need_max=2, venue="v2")]
    plan = mk.run(mk.problem(vols, shifts, weights={"mentoring": 2}))
    for sid in ("s1", "s2"):
        people = {a["volunteer_id"] for a in plan["assignments"] if a["shift_id"] == sid}
        assert people & {"e1", "e2"}


def test_proximity_prefers_nearby(mk):
    near = mk.volunteer("p1", home={"lat": 25.79, "lon": 114.54})
    far = mk.volunteer("p2", home={"lat": 25.70, "lon": 114.54})
    plan = mk.run(mk.problem([far, near], [mk.shift("s1")], weights={"proximity": 1}))
    assert mk.pairs(plan) == {("p1", "s1")}


def test_stability_keeps_previous_plan(mk):
    vols = [mk.volunteer("p1"), mk.volunteer("p2")]
    prev = {"assignments": [{"volunteer_id": "p2", "shift_id": "s1", "skill": "tutor"}]}
    plan = mk.run(mk.problem(vols, [mk.shift("s1")], weights={"stability": 50},
                             previous_plan=prev))
    assert mk.pairs(plan) == {("p2", "s1")}
    assert plan["objective"]["terms"]["stability"] == 0


def test_lexicographic_never_trades_coverage(mk):
    # A fairness-heavy weight cannot make the engine leave a place open.
    vols = [mk.volunteer("p1"), mk.volunteer("p2", availability=[
        {"weekday": 6, "start": "08:00", "end": "09:00"}])]
    shifts = [mk.shift(f"s{i}", date=f"2026-03-0{i + 1}") for i in range(1, 4)]
    plan = mk.run(mk.problem(vols, shifts, weights={"coverage": 1, "fairness": 1000}))
    assert plan["solver"]["strategy"] == "lexicographic"
    assert len(plan["assignments"]) == 3


def test_full_objective_bound_is_at_least_the_proven_coverage_cost(mk):
    # Coverage proven best is a floor of the whole objective (every other term is >= 0).
    vols = [mk.volunteer(f"p{i}") for i in range(3)]
    shifts = [mk.shift(f"s{i}", date=f"2026-03-0{i + 1}", need_min=4) for i in range(1, 4)]
    plan = mk.run(mk.problem(vols, shifts, weights={"fairness": 10, "proximity": 1}))
    assert plan["solver"]["coverage_status"] == "OPTIMAL"
    cover = plan["objective"]["terms"]["coverage"]
    assert cover > 0
    assert cover <= plan["objective"]["bound"] <= plan["objective"]["value"] + 1e-6
