"""The instance generator: determinism, schema validity and realism of the presets."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest

from scheduler.bench import generator


@pytest.fixture(scope="module")
def county_month() -> dict:
    return generator.generate("county-month", seed=3)


def test_same_seed_same_problem_other_seed_other_problem():
    first = generator.generate("county-week", seed=7)
    assert json.dumps(first) == json.dumps(generator.generate("county-week", seed=7))
    assert json.dumps(first) != json.dumps(generator.generate("county-week", seed=8))


@pytest.mark.parametrize("preset", sorted(generator.PRESETS))
def test_presets_pass_the_engine_schema(preset):
    problem_module = pytest.importorskip("scheduler.engine.problem")
    problem = generator.generate(preset, seed=1)
    try:
        import jsonschema_rs
    except ImportError:  # the pure-Python check is slow on the district presets, but as strict
        problem_module.check_schema(problem)
    else:
        validator = jsonschema_rs.validator_for(problem_module.problem_schema())
        assert [e.message for e in validator.iter_errors(problem)] == []


def test_tiny_loads_into_the_engine():
    engine = pytest.importorskip("scheduler.engine")
    engine.load_problem(generator.generate("tiny", seed=0))


@pytest.mark.parametrize(
    ("preset", "volunteers", "shifts", "communities", "venues"),
    [
        ("county-week", 250, (110, 150), 11, 13),
        ("county-month", 250, (450, 600), 11, 13),
        ("district-week", 3000, (900, 1150), 84, 100),
    ],
)
def test_preset_sizes(preset, volunteers, shifts, communities, venues):
    problem = generator.generate(preset, seed=1)
    assert len(problem["volunteers"]) == volunteers
    assert shifts[0] <= len(problem["shifts"]) <= shifts[1]
    assert len({v["community_id"] for v in problem["venues"]}) == communities
    assert len(problem["venues"]) == venues


def test_after_school_follows_the_school_calendar(county_month):
    classes = [s for s in county_month["shifts"] if s["kind"] == "after_school"]
    dates = {s["date"] for s in classes}
    assert "2026-05-01" not in dates and "2026-05-05" not in dates  # 劳动节
    assert "2026-05-09" in dates  # 调休: a Saturday that is a school day
    assert "2026-05-10" not in dates
    for s in classes:
        assert s["children_present"] and s["requires"]["vetting"]
        assert s["group_id"] and s["needs"][0]["skill"] == "tutor" and s["needs"][0]["min"] >= 2
        assert "16:00" <= s["start"] <= "17:00" and s["end"] >= "18:00"


def test_outreach_has_specialists_and_a_party_lead(county_month):
    outreach = [s for s in county_month["shifts"] if s["kind"].startswith("outreach_")]
    assert {s["kind"] for s in outreach} == {kind for kind, *_ in generator.OUTREACH}
    assert all(s["requires"]["party_lead"] for s in outreach)
    assert {s["meta"]["name"] for s in outreach} == {
        "“六送”·送服务",
        "“六送”·送教育",
        "“六送”·送健康",
        "“六送”·送平安",
        "“六送”·送法援",
        "“六送”·送关爱",
    }
    health = next(s for s in outreach if s["kind"] == "outreach_health")
    assert health["needs"][0]["skill"] == "doctor"
    kinds = Counter(s["kind"] for s in county_month["shifts"])
    for kind in ("evening_talk", "reading_club", "canteen", "door_knock"):
        assert kinds[kind] > 0
    for s in county_month["shifts"]:
        if s["kind"] == "door_knock":
            assert date.fromisoformat(s["date"]).weekday() >= 5


def test_volunteers_are_varied_and_some_are_not_usable(county_month):
    people = county_month["volunteers"]
    start = date.fromisoformat(county_month["horizon"]["start"])
    assert {v["team"] for v in people} == {"party", "youth", "women"}
    minors = [v for v in people if date.fromisoformat(v["birth_date"]).year > start.year - 18]
    assert any(v["guardian_consent"] for v in minors)
    assert any(not v["guardian_consent"] for v in minors)
    qualifications = [q for v in people for q in v["qualifications"]]
    assert any(q["valid_until"] < start.isoformat() for q in qualifications)  # expired
    assert any(not q["verified"] for q in qualifications)
    assert any(v["leave"] for v in people)
    assert any(v["availability"] == [] for v in people)
    for v in people:
        home = v["home"]
        assert abs(home["lat"] - 25.79) < 0.08 and abs(home["lon"] - 114.53) < 0.08
        assert 2 <= len(v["name"]) <= 3


def test_some_slots_have_nobody_qualified(county_month):
    """Scarce lawyers: fewer valid lawyers than 送法援 visits needing one each."""
    people = county_month["volunteers"]
    lawyers = [v for v in people if "lawyer" in v["skills"]]
    legal = [s for s in county_month["shifts"] if s["kind"] == "outreach_legal"]
    assert 0 < len(lawyers) < len(legal)


def test_main_prints_json(capsys):
    assert generator.main(["tiny", "--seed", "2"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == generator.generate("tiny", seed=2)


def test_unconfirmed_calendar_years_are_refused():
    with pytest.raises(ValueError, match="尚无官方数据"):
        generator.generate("tiny", start=date(2031, 3, 3))


def test_engine_plans_the_tiny_preset_and_explains_every_gap():
    engine = pytest.importorskip("scheduler.engine")
    problem = generator.generate("tiny", seed=0)
    plan = engine.solve(problem, time_limit=5, deterministic=True, in_process=True)
    assert plan["status"] in ("OPTIMAL", "FEASIBLE")
    assert plan["assignments"]
    assert all(u["reason"].strip() for u in plan["unfilled"])
    assert list(engine.validate_plan(engine.load_problem(problem), plan)) == []
