"""Unfilled reasons are counted from the data, in Chinese by default and in English."""

from __future__ import annotations


def _scene(mk):
    sh = mk.shift("s1", need_min=2, need_max=2, children_present=True,
                  requires={"radius_km": 3})
    home = {"lat": 25.79, "lon": 114.53}
    vols = [
        mk.volunteer("p1", home=home, max_hours_week=1.5),  # busy elsewhere, then capped
        mk.volunteer("p2", home={"lat": 25.95, "lon": 114.54}),  # too far
        mk.volunteer("p3", home=home, vetted_until=None),  # not vetted
        mk.volunteer("p4", home=home, availability=[{"weekday": 1, "start": "08:00",
                                                     "end": "20:00"}]),  # not free Monday
    ]
    # p1 is the only one who can take the higher-priority morning shift, which uses up
    # their weekly hours.
    other = mk.shift("s0", start="09:00", end="10:30", priority=9, children_present=True,
                     requires={"radius_km": 3})
    return mk.problem(vols, [sh, other])


def test_reason_zh_counts_each_cause(mk):
    plan = mk.run(_scene(mk))
    entry = next(u for u in plan["unfilled"] if u["shift_id"] == "s1")
    assert entry["missing"] == 2
    assert entry["reason"].startswith("没有在 16:30–18:00 有空、3 公里内且通过儿童工作审查的辅导员")
    assert "另有 1 人已达每周时长上限" in entry["reason"]
    assert "1 人离家太远" in entry["reason"] and "1 人未通过儿童工作审查" in entry["reason"]
    assert entry["counts"]["excluded"] == {"unavailable": 1, "not_vetted": 1, "too_far": 1}
    assert entry["counts"]["blocked"] == {"weekly_cap": 1}
    assert plan["shortage"] == [{"skill": "tutor", "community_id": "c1", "venue_id": "v1",
                                 "date": "2026-03-02", "missing": 2}]


def test_reason_en(mk):
    plan = mk.run(_scene(mk), lang="en")
    entry = next(u for u in plan["unfilled"] if u["shift_id"] == "s1")
    assert entry["reason"].startswith("no vetted tutor is free 16:30–18:00 within 3 km")
    assert "1 more is at their weekly cap" in entry["reason"]


def test_no_skill_holder_at_all(mk):
    plan = mk.run(mk.problem([mk.volunteer("p1")], [mk.shift("s1", skill="doctor")]))
    assert plan["unfilled"][0]["reason"] == "没有具备“医生”技能的志愿者"


def test_plan_reports_loads_objective_and_solver(mk):
    data = mk.problem([mk.volunteer("p1"), mk.volunteer("p2")],
                      [mk.shift("s1"), mk.shift("s2", date="2026-03-03")],
                      weights={"fairness": 10})
    plan = mk.run(data)
    assert plan["status"] == "OPTIMAL"
    assert plan["objective"]["terms"]["coverage"] == 0
    assert plan["objective"]["gap"] == 0
    loads = {row["volunteer_id"]: row for row in plan["loads"]}
    assert loads["p1"]["fair_share_hours"] == 1.5
    assert loads["p1"]["hours"] == loads["p2"]["hours"] == 1.5  # fairness spreads the load
    assert {"build_seconds", "solve_seconds", "workers", "seed"} <= set(plan["solver"])
