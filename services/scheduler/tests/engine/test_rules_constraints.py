"""Count/time rules, each on a tiny instance both ways."""

from __future__ import annotations


def test_overlap_same_time_only_one(mk):
    data = mk.problem([mk.volunteer("p1")], [mk.shift("s1"), mk.shift("s2", venue="v2")])
    assert len(mk.run(data)["assignments"]) == 1


def test_overlap_consecutive_same_venue_both(mk):
    data = mk.problem([mk.volunteer("p1")],
                      [mk.shift("s1", start="09:00", end="10:00"),
                       mk.shift("s2", start="10:00", end="11:00")])
    assert len(mk.run(data)["assignments"]) == 2


def test_travel_time_between_venues(mk):
    # v1 -> v2 is about 10 km: 40 minutes at 15 km/h plus a 10 minute buffer.
    tight = mk.problem([mk.volunteer("p1")],
                       [mk.shift("s1", start="09:00", end="10:00"),
                        mk.shift("s2", start="10:30", end="11:00", venue="v2")])
    plan = mk.run(tight)
    assert len(plan["assignments"]) == 1
    assert "busy" in mk.codes(plan, plan["unfilled"][0]["shift_id"])
    loose = mk.problem([mk.volunteer("p1")],
                       [mk.shift("s1", start="09:00", end="10:00"),
                        mk.shift("s2", start="10:55", end="11:30", venue="v2")])
    assert len(mk.run(loose)["assignments"]) == 2


def test_min_rest_between_shifts(mk):
    shifts = [mk.shift("s1", start="09:00", end="10:00"),
              mk.shift("s2", start="10:30", end="11:00")]
    data = mk.problem([mk.volunteer("p1")], shifts, rules={"min_rest_minutes": 60})
    plan = mk.run(data)
    assert len(plan["assignments"]) == 1
    data = mk.problem([mk.volunteer("p1")], shifts, rules={"min_rest_minutes": 30})
    assert len(mk.run(data)["assignments"]) == 2


def _three_days(**shift_fields):
    return [
        {"date": "2026-03-02"}, {"date": "2026-03-03"}, {"date": "2026-03-04"},
    ], shift_fields


def test_weekly_cap(mk):
    shifts = [mk.shift(f"s{i}", date=f"2026-03-0{i + 1}") for i in range(1, 4)]  # 1.5 h each
    plan = mk.run(mk.problem([mk.volunteer("p1", max_hours_week=3)], shifts))
    assert len(plan["assignments"]) == 2
    assert "weekly_cap" in plan["unfilled"][0]["reason_codes"]
    plan = mk.run(mk.problem([mk.volunteer("p1", max_hours_week=4.5)], shifts))
    assert len(plan["assignments"]) == 3


def test_monthly_cap(mk):
    shifts = [mk.shift("s1", date="2026-03-30"), mk.shift("s2", date="2026-03-31"),
              mk.shift("s3", date="2026-04-01")]
    horizon = {"start": "2026-03-30", "end": "2026-04-05"}
    plan = mk.run(mk.problem([mk.volunteer("p1", max_hours_month=1.5)], shifts, horizon=horizon))
    assert len(plan["assignments"]) == 2  # one in March, one in April
    assert "monthly_cap" in plan["unfilled"][0]["reason_codes"]


def test_daily_max(mk):
    shifts = [mk.shift("s1", start="09:00", end="10:00"), mk.shift("s2", start="14:00",
                                                                    end="15:00")]
    plan = mk.run(mk.problem([mk.volunteer("p1", max_shifts_per_day=1)], shifts))
    assert len(plan["assignments"]) == 1
    assert "daily_max" in plan["unfilled"][0]["reason_codes"]
    plan = mk.run(mk.problem([mk.volunteer("p1")], shifts, rules={"max_shifts_per_day": 2}))
    assert len(plan["assignments"]) == 2


def test_max_consecutive_days(mk):
    shifts = [mk.shift(f"s{i}", date=f"2026-03-0{i + 1}") for i in range(1, 4)]
    plan = mk.run(mk.problem([mk.volunteer("p1", max_consecutive_days=2)], shifts))
    assert len(plan["assignments"]) == 2
    plan = mk.run(mk.problem([mk.volunteer("p1")], shifts, rules={"max_consecutive_days": 3}))
    assert len(plan["assignments"]) == 3


def test_max_total_hours(mk):
    shifts = [mk.shift(f"s{i}", date=f"2026-03-0{i + 1}") for i in range(1, 4)]
    plan = mk.run(mk.problem([mk.volunteer("p1", max_hours_total=3)], shifts))
    assert len(plan["assignments"]) == 2


def test_min_total_hours_forces_optional_shifts(mk):
    shifts = [mk.shift(f"s{i}", date=f"2026-03-0{i + 1}", need_min=0, need_max=1)
              for i in range(1, 4)]
    plan = mk.run(mk.problem([mk.volunteer("p1", min_hours_total=3)], shifts))
    assert len(plan["assignments"]) >= 2


def test_min_total_hours_unreachable_is_a_conflict(mk):
    shifts = [mk.shift("s1")]
    plan = mk.run(mk.problem([mk.volunteer("p1", min_hours_total=10)], shifts))
    assert plan["status"] == "INFEASIBLE"
    rules = [i["rule"] for c in plan["conflicts"] for i in c["items"]]
    assert rules == ["min_total"]
    assert "至少服务 10 小时" in plan["conflicts"][0]["message"]


def test_max_weekends(mk):
    horizon = {"start": "2026-03-02", "end": "2026-03-15"}
    shifts = [mk.shift("s1", date="2026-03-07"), mk.shift("s2", date="2026-03-14")]
    plan = mk.run(mk.problem([mk.volunteer("p1", max_weekends=1)], shifts, horizon=horizon))
    assert len(plan["assignments"]) == 1
    assert "max_weekends" in plan["unfilled"][0]["reason_codes"]
    plan = mk.run(mk.problem([mk.volunteer("p1", max_weekends=2)], shifts, horizon=horizon))
    assert len(plan["assignments"]) == 2


def test_max_shifts_by_kind(mk):
    shifts = [mk.shift("s1"), mk.shift("s2", date="2026-03-03"),
              mk.shift("s3", date="2026-03-04", kind="canteen")]
    vol = mk.volunteer("p1", max_shifts_by_kind={"after_school": 1})
    plan = mk.run(mk.problem([vol], shifts))
    assert mk.pairs(plan) & {("p1", "s3")} and len(plan["assignments"]) == 2
    assert "kind_max" in plan["unfilled"][0]["reason_codes"]


def test_min_consecutive_days_on(mk):
    # A lone working Wednesday would be a 1-day block inside the horizon: not allowed.
    vol = mk.volunteer("p1", min_consecutive_days=2)
    lone = mk.problem([vol], [mk.shift("s1", date="2026-03-04")],
                      pins=[{"volunteer_id": "p1", "shift_id": "s1", "skill": "tutor"}])
    plan = mk.run(lone)
    assert plan["status"] == "INFEASIBLE"
    assert {i["rule"] for i in plan["conflicts"][0]["items"]} == {"pin", "min_work_block"}
    pair = mk.problem([vol], [mk.shift("s1", date="2026-03-04"),
                              mk.shift("s2", date="2026-03-05")])
    assert len(mk.run(pair)["assignments"]) == 2
    # A block touching the horizon's first day is exempt ...
    edge = mk.problem([vol], [mk.shift("s1", date="2026-03-02")])
    assert len(mk.run(edge)["assignments"]) == 1
    # ... but not under the strict boundary.
    strict = mk.problem([vol], [mk.shift("s1", date="2026-03-02")],
                        rules={"min_block_boundary": "strict"})
    assert mk.run(strict)["assignments"] == []


def test_min_consecutive_days_off(mk):
    vol = mk.volunteer("p1", min_consecutive_days_off=2)
    gap1 = mk.problem([vol], [mk.shift("s1", date="2026-03-03"),
                              mk.shift("s2", date="2026-03-05")])
    assert len(mk.run(gap1)["assignments"]) == 1
    gap2 = mk.problem([vol], [mk.shift("s1", date="2026-03-03"),
                              mk.shift("s2", date="2026-03-06")])
    assert len(mk.run(gap2)["assignments"]) == 2


def test_forbidden_succession(mk):
    rules = {"forbidden_successions": [{"first_kind": "N", "then_kind": "D"}]}
    banned = [mk.shift("s1", kind="N", start="20:00", end="23:00"),
              mk.shift("s2", kind="D", date="2026-03-03", start="09:00", end="12:00")]
    plan = mk.run(mk.problem([mk.volunteer("p1")], banned, rules=rules))
    assert len(plan["assignments"]) == 1
    assert "succession" in plan["unfilled"][0]["reason_codes"]
    allowed = [mk.shift("s1", kind="D", start="09:00", end="12:00"),
               mk.shift("s2", kind="N", date="2026-03-03", start="20:00", end="23:00")]
    assert len(mk.run(mk.problem([mk.volunteer("p1")], allowed, rules=rules))[
        "assignments"]) == 2


def test_adults_with_children(mk):
    minor = mk.volunteer("m1", birth_date="2010-01-01", guardian_consent=True)
    sh = mk.shift("s1", need_min=2, need_max=2, children_present=True,
                  requires={"min_age": 14})
    rules = {"min_adults_with_children": 2}
    plan = mk.run(mk.problem([minor, mk.volunteer("p1")], [sh], rules=rules))
    assert plan["assignments"] == []  # one adult and a minor may not run it alone
    assert "too_few_adults" in mk.codes(plan, "s1")
    plan = mk.run(mk.problem([minor, mk.volunteer("p1"), mk.volunteer("p2")], [sh],
                             rules=rules))
    assert {a["volunteer_id"] for a in plan["assignments"]} == {"p1", "p2"}


def test_party_lead(mk):
    sh = mk.shift("s1", kind="outreach", need_min=2, need_max=2, skill="general",
                  requires={"party_lead": True})
    crowd = [mk.volunteer("p1", skills=["general"]), mk.volunteer("p2", skills=["general"])]
    plan = mk.run(mk.problem(crowd, [sh]))
    assert plan["assignments"] == []
    assert "no_party_lead" in mk.codes(plan, "s1")
    crowd[1]["party_member"] = True
    plan = mk.run(mk.problem(crowd, [sh]))
    assert len(plan["assignments"]) == 2


def test_need_max_is_a_cap(mk):
    vols = [mk.volunteer(f"p{i}") for i in range(4)]
    plan = mk.run(mk.problem(vols, [mk.shift("s1", need_min=1, need_max=2)],
                             weights={"over_cover": 0}))
    assert 1 <= len(plan["assignments"]) <= 2


def test_pin_is_kept(mk):
    data = mk.problem([mk.volunteer("p1"), mk.volunteer("p2")],
                      [mk.shift("s1", need_min=0, need_max=1)],
                      pins=[{"volunteer_id": "p2", "shift_id": "s1", "skill": "tutor"}])
    plan = mk.run(data)
    assert plan["assignments"] == [{"volunteer_id": "p2", "shift_id": "s1", "skill": "tutor",
                                    "pinned": True}]


def test_two_contradictory_pins_name_both(mk):
    data = mk.problem([mk.volunteer("p1"), mk.volunteer("p2")],
                      [mk.shift("s1"), mk.shift("s2", venue="v2"),
                       mk.shift("s3", date="2026-03-03")],
                      pins=[{"volunteer_id": "p1", "shift_id": "s1", "skill": "tutor"},
                            {"volunteer_id": "p1", "shift_id": "s2", "skill": "tutor"},
                            {"volunteer_id": "p2", "shift_id": "s3", "skill": "tutor"}])
    plan = mk.run(data)
    assert plan["status"] == "INFEASIBLE"
    items = plan["conflicts"][0]["items"]
    pins = sorted(i["shift_id"] for i in items if i["rule"] == "pin")
    assert pins == ["s1", "s2"]
    assert {i["rule"] for i in items} == {"pin", "overlap"}
    assert "以下要求不能同时满足" in plan["conflicts"][0]["message"]


def test_pin_of_ineligible_pair_names_the_reason(mk):
    data = mk.problem([mk.volunteer("p1", vetted_until=None)],
                      [mk.shift("s1", children_present=True)],
                      pins=[{"volunteer_id": "p1", "shift_id": "s1", "skill": "tutor"}])
    plan = mk.run(data, lang="en")
    assert plan["status"] == "INFEASIBLE"
    text = plan["conflicts"][0]["message"]
    assert "not vetted" in text and "pin" in text
