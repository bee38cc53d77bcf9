"""Property: every plan the engine returns on random small problems passes the independent
validator, and infeasible answers come with a conflict."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.engine import solve, validate_plan

DATES = [f"2026-03-0{d}" for d in range(2, 9)]
TIMES = [("08:00", "09:30"), ("09:00", "11:00"), ("10:15", "12:00"), ("16:30", "18:00"),
         ("17:00", "18:30"), ("19:00", "21:00"), ("22:00", "06:00")]
KINDS = ["after_school", "outreach", "N", "D"]
SKILLS = ["tutor", "general", "doctor"]
opt = st.none
small = st.integers


@st.composite
def volunteers(draw, vid):
    vol = {"id": vid, "skills": draw(st.lists(st.sampled_from(SKILLS), min_size=1,
                                              max_size=2, unique=True))}
    if draw(st.booleans()):
        vol["vetted_until"] = draw(st.sampled_from(DATES))
    if draw(st.booleans()):
        vol["insured_until"] = "2026-12-31"
    vol["party_member"] = draw(st.booleans())
    vol["birth_date"] = draw(st.sampled_from([None, "1980-01-01", "2010-03-05", "1955-06-01"]))
    vol["guardian_consent"] = draw(st.booleans())
    if draw(st.booleans()):
        vol["availability"] = [{"weekday": draw(small(0, 6)), "start": "08:00", "end": "19:00"}
                               for _ in range(draw(small(1, 4)))]
    if draw(st.booleans()):
        d = draw(st.sampled_from(DATES))
        vol["leave"] = [{"start": d, "end": d}]
    for key, values in (("max_hours_week", [None, 2, 3.5, 6]), ("max_hours_month", [None, 4]),
                        ("max_hours_total", [None, 3, 5]), ("max_shifts_per_day", [None, 1]),
                        ("max_consecutive_days", [None, 1, 2]),
                        ("min_consecutive_days", [None, 2]),
                        ("min_consecutive_days_off", [None, 2]), ("max_weekends", [None, 0, 1]),
                        ("min_hours_total", [None, None, None, 1.5])):
        vol[key] = draw(st.sampled_from(values))
    if draw(st.booleans()):
        vol["max_shifts_by_kind"] = {draw(st.sampled_from(KINDS)): draw(small(0, 2))}
    if draw(st.booleans()):
        vol["home"] = {"lat": 25.79 + draw(st.floats(-0.05, 0.05)), "lon": 114.54}
    vol["experienced"] = draw(st.booleans())
    if draw(st.booleans()):
        vol["qualifications"] = [{"skill": "doctor", "verified": draw(st.booleans()),
                                  "valid_until": draw(st.sampled_from(DATES))}]
    return vol


@st.composite
def shifts(draw, sid):
    start, end = draw(st.sampled_from(TIMES))
    needs = []
    for skill in draw(st.lists(st.sampled_from(SKILLS), min_size=1, max_size=2, unique=True)):
        lo = draw(small(0, 2))
        needs.append({"skill": skill, "min": lo, "max": lo + draw(small(0, 1))})
    requires = {"vetting": draw(st.booleans()), "insurance": draw(st.booleans()),
                "party_lead": draw(st.booleans()), "min_age": draw(st.sampled_from([None, 14])),
                "radius_km": draw(st.sampled_from([None, 2, 6]))}
    return {"id": sid, "kind": draw(st.sampled_from(KINDS)),
            "venue_id": draw(st.sampled_from(["v1", "v2"])), "date": draw(st.sampled_from(DATES)),
            "start": start, "end": end, "children_present": draw(st.booleans()),
            "group_id": draw(st.sampled_from([None, "g1", "g2"])),
            "priority": draw(small(1, 3)), "needs": needs, "requires": requires}


@st.composite
def problems(draw):
    vols = [draw(volunteers(f"p{i}")) for i in range(draw(small(1, 5)))]
    shs = [draw(shifts(f"s{i}")) for i in range(draw(small(1, 6)))]
    pins = []
    if draw(st.booleans()):
        s = draw(st.sampled_from(shs))
        pins.append({"volunteer_id": draw(st.sampled_from(vols))["id"], "shift_id": s["id"],
                     "skill": s["needs"][0]["skill"]})
    rules = {"min_rest_minutes": draw(st.sampled_from([0, 60, 600])),
             "min_adults_with_children": draw(small(0, 2)),
             "max_shifts_per_day": draw(st.sampled_from([None, 2])),
             "forbidden_successions": [{"first_kind": "N", "then_kind": "D"}],
             "min_block_boundary": draw(st.sampled_from(["exempt", "strict"]))}
    return {
        "format": "linli-problem/1", "horizon": {"start": DATES[0], "end": DATES[-1]},
        "rules": rules,
        "venues": [{"id": "v1", "lat": 25.79, "lon": 114.54},
                   {"id": "v2", "lat": 25.83, "lon": 114.56}],
        "volunteers": vols, "shifts": shs, "pins": pins,
    }


@settings(max_examples=int(os.environ.get("ENGINE_PROPERTY_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_returned_plan_passes_the_validator(data):
    plan = solve(data, in_process=True, deterministic=True, time_limit=5)
    assert plan["status"] in ("OPTIMAL", "FEASIBLE", "INFEASIBLE")
    if plan["status"] == "INFEASIBLE":
        assert plan["conflicts"] and plan["conflicts"][0]["items"]
        return
    assert validate_plan(data, plan) == []
    placed = {}
    for a in plan["assignments"]:
        placed[(a["shift_id"], a["skill"])] = placed.get((a["shift_id"], a["skill"]), 0) + 1
    for s in data["shifts"]:
        for n in s["needs"]:
            short = n["min"] - placed.get((s["id"], n["skill"]), 0)
            listed = [u for u in plan["unfilled"]
                      if u["shift_id"] == s["id"] and u["skill"] == n["skill"]]
            assert (short > 0) == bool(listed)
            if listed:
                assert listed[0]["missing"] == short and listed[0]["reason"]


@settings(max_examples=int(os.environ.get("ENGINE_PROPERTY_EXAMPLES", "60")) // 2,
          deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.integers(0, 10))
def test_repair_of_a_withdrawal_stays_valid_and_local(data, pick):
    from scheduler.engine import repair

    plan = solve(data, in_process=True, deterministic=True, time_limit=5)
    if plan["status"] == "INFEASIBLE" or not plan["assignments"]:
        return
    gone = plan["assignments"][pick % len(plan["assignments"])]["volunteer_id"]
    freed = {a["shift_id"] for a in plan["assignments"] if a["volunteer_id"] == gone}
    out = repair(data, plan, {"type": "withdraw", "volunteer_id": gone}, deterministic=True,
                 time_limit=5)
    new = out["plan"]
    if new["status"] == "INFEASIBLE":
        assert new["conflicts"]  # e.g. the person who left was pinned or had a minimum
        return
    assert all(a["volunteer_id"] != gone for a in new["assignments"])
    changed = new.get("assignments")
    assert validate_plan({**data, "volunteers": [
        {**v, "leave": [*v.get("leave", []), {"start": DATES[0], "end": DATES[-1]}]}
        if v["id"] == gone else v for v in data["volunteers"]]}, {"assignments": changed}) == []
    if new["solver"].get("mode") == "neighbourhood":
        diff = out["diff"]
        touched = {r["shift_id"] for key in ("added", "removed", "changed") for r in diff[key]}
        assert touched <= freed
