"""Eligibility-filter rules, each on a tiny instance both ways (placed / refused with reason)."""

from __future__ import annotations


def one(mk, vol: dict, sh: dict, **fields):
    return mk.run(mk.problem([vol], [sh], **fields))


def test_skill_present_is_placed(mk):
    plan = one(mk, mk.volunteer("p1"), mk.shift("s1"))
    assert mk.pairs(plan) == {("p1", "s1")}


def test_skill_missing_is_refused(mk):
    plan = one(mk, mk.volunteer("p1", skills=["general"]), mk.shift("s1"))
    assert plan["assignments"] == []
    assert "no_skill" in mk.codes(plan, "s1")


def test_qualification_valid_on_date(mk):
    quals = [{"skill": "tutor", "verified": True, "valid_until": "2026-03-02"}]
    plan = one(mk, mk.volunteer("p1", qualifications=quals), mk.shift("s1"))
    assert mk.pairs(plan) == {("p1", "s1")}


def test_qualification_expired_or_unverified_is_refused(mk):
    expired = [{"skill": "tutor", "verified": True, "valid_until": "2026-03-01"}]
    unverified = [{"skill": "tutor", "verified": False}]
    for quals in (expired, unverified):
        plan = one(mk, mk.volunteer("p1", qualifications=quals), mk.shift("s1"))
        assert plan["assignments"] == []
        assert "no_qualification" in mk.codes(plan, "s1")


def test_availability_window_covers_shift(mk):
    window = [{"weekday": 0, "start": "16:00", "end": "18:00"}]
    plan = one(mk, mk.volunteer("p1", availability=window), mk.shift("s1"))
    assert mk.pairs(plan) == {("p1", "s1")}


def test_availability_window_too_short_is_refused(mk):
    window = [{"weekday": 0, "start": "17:00", "end": "19:00"}]
    plan = one(mk, mk.volunteer("p1", availability=window), mk.shift("s1"))
    assert "unavailable" in mk.codes(plan, "s1")


def test_leave_day_is_refused_and_other_days_fine(mk):
    vol = mk.volunteer("p1", leave=[{"start": "2026-03-02", "end": "2026-03-02"}])
    data = mk.problem([vol], [mk.shift("s1"), mk.shift("s2", date="2026-03-03")])
    plan = mk.run(data)
    assert mk.pairs(plan) == {("p1", "s2")}
    assert "on_leave" in mk.codes(plan, "s1")


def test_minor_with_consent_in_daytime_is_placed(mk):
    vol = mk.volunteer("p1", birth_date="2010-01-01", guardian_consent=True)
    plan = one(mk, vol, mk.shift("s1", requires={"min_age": 14}))
    assert mk.pairs(plan) == {("p1", "s1")}


def test_minor_refused_without_consent_at_night_or_adult_only(mk):
    minor = {"birth_date": "2010-01-01", "guardian_consent": True}
    cases = [
        ({**minor, "guardian_consent": False}, {"requires": {"min_age": 14}}, "minor_no_consent"),
        (minor, {"start": "19:00", "end": "21:00", "requires": {"min_age": 14}},
         "minor_not_daytime"),
        (minor, {}, "age"),
    ]
    for fields, shift_fields, code in cases:
        plan = one(mk, mk.volunteer("p1", **fields), mk.shift("s1", **shift_fields))
        assert plan["assignments"] == [], code
        assert code in mk.codes(plan, "s1")


def test_max_age_bound(mk):
    old = mk.volunteer("p1", birth_date="1950-01-01")
    plan = one(mk, old, mk.shift("s1", requires={"max_age": 70}))
    assert "age" in mk.codes(plan, "s1")
    plan = one(mk, old, mk.shift("s1", requires={"max_age": 80}))
    assert mk.pairs(plan) == {("p1", "s1")}


def test_vetting_required_with_children(mk):
    plan = one(mk, mk.volunteer("p1"), mk.shift("s1", children_present=True))
    assert mk.pairs(plan) == {("p1", "s1")}


def test_unvetted_refused_with_children_or_requires_vetting(mk):
    for fields in ({"children_present": True}, {"requires": {"vetting": True}}):
        plan = one(mk, mk.volunteer("p1", vetted_until="2026-03-01"), mk.shift("s1", **fields))
        assert "not_vetted" in mk.codes(plan, "s1")


def test_insurance_for_risky_activity(mk):
    sh = mk.shift("s1", requires={"insurance": True})
    plan = one(mk, mk.volunteer("p1", insured_until="2026-12-31"), sh)
    assert mk.pairs(plan) == {("p1", "s1")}
    plan = one(mk, mk.volunteer("p1"), sh)
    assert "not_insured" in mk.codes(plan, "s1")


def test_radius_from_home(mk):
    sh = mk.shift("s1", requires={"radius_km": 3})
    near = mk.volunteer("p1", home={"lat": 25.79, "lon": 114.53})  # about 1 km
    far = mk.volunteer("p1", home={"lat": 25.90, "lon": 114.54})  # about 12 km
    assert mk.pairs(one(mk, near, sh)) == {("p1", "s1")}
    assert "too_far" in mk.codes(one(mk, far, sh), "s1")
