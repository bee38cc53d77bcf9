"""Replanning after a change, and ranked candidates for one open place."""

from __future__ import annotations

from scheduler.engine import candidates, repair


def _week(mk):
    vols = [mk.volunteer(f"p{i}", max_hours_week=3) for i in range(1, 6)]
    shifts = [mk.shift(f"s{d}{v}", date=f"2026-03-0{d + 1}", venue=f"v{v}", need_min=1)
              for d in range(1, 5) for v in (1, 2)]
    return mk.problem(vols, shifts, weights={"fairness": 5})


def test_withdrawal_changes_only_that_persons_slots(mk):
    data = _week(mk)
    plan = mk.run(data)
    assert plan["unfilled"] == []
    gone = plan["assignments"][0]["volunteer_id"]
    theirs = [a for a in plan["assignments"] if a["volunteer_id"] == gone]
    out = repair(data, plan, {"type": "withdraw", "volunteer_id": gone},
                 deterministic=True, time_limit=5)
    new, diff = out["plan"], out["diff"]
    assert all(a["volunteer_id"] != gone for a in new["assignments"])
    assert new["unfilled"] == []
    assert len(diff["changed"]) == len(theirs)
    assert diff["added"] == [] and diff["removed"] == []
    assert {c["from"] for c in diff["changed"]} == {gone}


def test_withdrawal_for_a_date_range_keeps_other_days(mk):
    data = _week(mk)
    plan = mk.run(data)
    person = plan["assignments"][0]["volunteer_id"]
    days = sorted({a["shift_id"][1] for a in plan["assignments"] if a["volunteer_id"] == person})
    first_day = f"2026-03-0{int(days[0]) + 1}"
    out = repair(data, plan, {"type": "withdraw", "volunteer_id": person, "from": first_day,
                              "to": first_day}, deterministic=True, time_limit=5)
    kept = {a["shift_id"] for a in out["plan"]["assignments"] if a["volunteer_id"] == person}
    before = {a["shift_id"] for a in plan["assignments"] if a["volunteer_id"] == person}
    assert kept == {s for s in before if s[1] != days[0]}


def test_cancel_and_add_shift(mk):
    data = _week(mk)
    plan = mk.run(data)
    out = repair(data, plan, {"type": "cancel_shift", "shift_id": "s11"}, deterministic=True)
    assert all(a["shift_id"] != "s11" for a in out["plan"]["assignments"])
    assert [r["shift_id"] for r in out["diff"]["removed"]] == ["s11"]
    assert out["diff"]["added"] == [] and out["diff"]["changed"] == []
    extra = mk.shift("s99", date="2026-03-07", start="09:00", end="10:00")
    out = repair(data, plan, {"type": "add_shift", "shift": extra}, deterministic=True)
    assert [a["shift_id"] for a in out["diff"]["added"]] == ["s99"]
    assert out["diff"]["removed"] == [] and out["diff"]["changed"] == []


def test_availability_change(mk):
    data = _week(mk)
    plan = mk.run(data)
    person = plan["assignments"][0]["volunteer_id"]
    out = repair(data, plan, {"type": "availability", "volunteer_id": person,
                              "availability": [{"weekday": 6, "start": "08:00",
                                                "end": "09:00"}]}, deterministic=True)
    assert all(a["volunteer_id"] != person for a in out["plan"]["assignments"])
    assert out["plan"]["unfilled"] == []


def test_candidates_rank_free_people_and_explain_exclusions(mk):
    home = {"lat": 25.79, "lon": 114.54}
    vols = [mk.volunteer("near", home=home), mk.volunteer("far", home={"lat": 25.75,
                                                                       "lon": 114.54}),
            mk.volunteer("busy", home=home), mk.volunteer("unvetted", vetted_until=None),
            mk.volunteer("away", leave=[{"start": "2026-03-02", "end": "2026-03-02"}])]
    shifts = [mk.shift("s1", children_present=True, need_min=2, need_max=2),
              mk.shift("s0", venue="v2", priority=5)]
    data = mk.problem(vols, shifts)
    plan = {"format": "linli-plan/1", "assignments": [
        {"volunteer_id": "busy", "shift_id": "s0", "skill": "tutor"}]}
    rows = candidates(data, plan, "s1", "tutor", limit=5)
    ranked = [r["volunteer_id"] for r in rows if r["eligible"]]
    assert ranked == ["near", "far"]
    assert rows[0]["rank"] == 1 and rows[0]["distance_km"] < rows[1]["distance_km"]
    assert any("公里" in text for text in rows[0]["reasons"])
    why = {r["volunteer_id"]: r["why"] for r in rows if not r["eligible"]}
    assert why == {"busy": ["busy"], "unvetted": ["not_vetted"], "away": ["on_leave"]}
