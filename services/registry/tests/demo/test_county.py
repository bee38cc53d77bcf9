"""The demo county: sizes, determinism, references, and that it fits the domain rules."""

from datetime import date, time

import pytest

from registry.demo import DEMO_LOGINS, DEMO_PASSWORD, build_demo_county
from registry.domain.calendar import calendar_from_record
from registry.domain.recurrence import occurrence_dates, recurrence_from_record
from registry.domain.tabular import read_volunteers, write_volunteers
from registry.domain.vocabulary import ACTIVITY_TYPES, CHANNELS, QUALIFIED_SKILLS, SKILLS, TEAMS

TERM_DAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def county():
    return build_demo_county()


def test_sizes(county):
    assert len(county["communities"]) == 11
    assert len(county["venues"]) == 13
    tutors = [v for v in county["volunteers"] if "tutor" in v["skills"]]
    assert len(tutors) >= 150
    per_community = {}
    for v in county["venues"]:
        per_community[v["community"]] = per_community.get(v["community"], 0) + 1
    assert sorted(per_community.values()) == [1] * 10 + [3]
    assert {v["kind"] for v in county["venues"]} >= {"satellite_point", "party_service_centre"}
    assert {v["team"] for v in county["volunteers"]} >= set(TEAMS)
    assert sum(v["party_member"] for v in county["volunteers"]) >= 50
    assert len(county["pairings"]) >= 3


def test_grids_and_venues_plausible(county):
    by_comm = {}
    for g in county["grids"]:
        assert 300 <= g["households"] <= 500
        by_comm[g["community"]] = by_comm.get(g["community"], 0) + 1
    assert set(by_comm) == {c["code"] for c in county["communities"]}
    assert all(2 <= n <= 4 for n in by_comm.values())
    starts = {v["after_school_start"] for v in county["venues"]}
    assert starts == {"16:30", "17:00"}
    for v in county["venues"]:
        assert abs(v["lat"] - 25.79) < 0.05 and abs(v["lon"] - 114.54) < 0.05
        assert v["tutor_pupil_ratio"] > 0 and v["rooms"] and v["opening_hours"]
    kinds = {r["name"] for v in county["venues"] for r in v["rooms"]}
    assert kinds >= {"四点半课堂教室", "书吧", "书法室", "舞蹈室", "孝老食堂", "志愿服务站"}


def test_deterministic(county):
    assert build_demo_county() == county


def _valid(q, on=TERM_DAY):
    return q["verified"] and (q.get("valid_until") is None or q["valid_until"] >= on.isoformat())


def test_every_outreach_kind_has_qualified_party_specialists_in_every_community(county):
    codes = [c["code"] for c in county["communities"]]
    for skill in ("general", "teacher", "doctor", "police", "lawyer", "social_worker"):
        for code in codes:
            people = [
                v
                for v in county["volunteers"]
                if v["community"] == code and skill in v["skills"] and v["party_member"]
            ]
            if skill in QUALIFIED_SKILLS:
                people = [
                    v
                    for v in people
                    if any(q["skill"] == skill and _valid(q) for q in v["qualifications"])
                ]
            assert people, (skill, code)
    expired = [
        v
        for v in county["volunteers"]
        if any(q["skill"] in QUALIFIED_SKILLS and not _valid(q) for q in v["qualifications"])
    ]
    assert len(expired) >= 3


def test_minors_and_consent(county):
    minors = [v for v in county["volunteers"] if v["birth_date"] > "2008-07-10"]
    assert len(minors) >= 4
    assert sum(not v["guardian_consent"] for v in minors) == 2
    for v in minors:
        assert v["guardian_name"] and "tutor" not in v["skills"]
        age = 2026 - int(v["birth_date"][:4])
        assert 16 <= age <= 17


def test_vocabulary_and_references_resolve(county):
    comms = {c["code"] for c in county["communities"]}
    grids = {g["ref"]: g for g in county["grids"]}
    venues = {v["ref"]: v for v in county["venues"]}
    rooms = {r["ref"]: v["ref"] for v in county["venues"] for r in v["rooms"]}
    vols = {v["ref"]: v for v in county["volunteers"]}
    assert len(vols) == len(county["volunteers"])
    assert len({v["phone"] for v in county["volunteers"]}) == len(vols)
    types = set(ACTIVITY_TYPES) | {t["code"] for t in county["activity_types"]}
    for t in county["activity_types"]:
        assert t["code"] not in ACTIVITY_TYPES and t["community"] in comms
        assert t["default_skill"] in SKILLS
    for p in county["pairings"]:
        assert p["community"] in comms and p["partner"] in comms
        assert p["kind"] in ("结对共建", "友好社区")
    for g in county["grids"]:
        assert g["community"] in comms
    for v in county["venues"]:
        assert v["community"] in comms
    names = {}
    for v in county["volunteers"]:
        assert v["community"] in comms
        assert grids[v["grid"]]["community"] == v["community"]
        assert set(v["skills"]) <= set(SKILLS)
        assert v["team"] in (None, *TEAMS)
        assert v["phone"].startswith("1380000") and len(v["phone"]) == 11
        assert all(c["channel"] in CHANNELS for c in v["contact_channels"])
        prefs = v["preferences"]
        assert set(prefs["venues"]) | set(prefs["avoid_venues"]) <= set(venues)
        assert set(prefs["partners"]) <= set(vols)
        key = (v["community"], v["name"])
        assert key not in names, key
        names[key] = v["ref"]
    for a in county["activities"]:
        assert a["community"] in comms
        assert venues[a["venue"]]["community"] == a["community"]
        assert a["room"] is None or rooms[a["room"]] == a["venue"]
        assert a["type_code"] in types
        assert all(n["skill"] in SKILLS for n in a["needs"])
    for u in county["users"]:
        assert set(u["communities"]) <= comms
        assert u["volunteer"] is None or u["volunteer"] in vols
        assert u["password"] == DEMO_PASSWORD


def test_logins(county):
    names = [login["username"] for login in DEMO_LOGINS]
    assert names == [u["username"] for u in county["users"]]
    assert {"admin", "coord_xingfu", "coord_county", "scheduler"} <= set(names)
    roles = {login["role"] for login in DEMO_LOGINS}
    assert roles == {"admin", "coordinator", "volunteer", "service"}
    xingfu = next(u for u in county["users"] if u["username"] == "coord_xingfu")
    assert xingfu["communities"] == ["XF"]
    assert all(login["scope"] for login in DEMO_LOGINS)


def _in_hours(venue, day, start, end):
    return any(
        h["weekday"] == day.weekday() and h["open"] <= start and end <= h["close"]
        for h in venue["opening_hours"]
    )


def test_programme_expands_on_the_calendar_and_fits_opening_hours(county):
    cal = calendar_from_record(county["calendar"])
    venues = {v["ref"]: v for v in county["venues"]}
    kinds = {a["type_code"] for a in county["activities"]}
    assert kinds >= set(ACTIVITY_TYPES) | {"festival_visit", "free_haircut"}
    total = 0
    for a in county["activities"]:
        dates = occurrence_dates(recurrence_from_record(a["recurrence"]), cal)
        assert dates, a["ref"]
        assert time.fromisoformat(a["start_time"]) < time.fromisoformat(a["end_time"])
        for d in dates:
            assert date(2026, 3, 2) <= d <= date(2026, 7, 10)
            assert _in_hours(venues[a["venue"]], d, a["start_time"], a["end_time"]), (a["ref"], d)
        total += len(dates)
        if a["type_code"] == "after_school":
            assert date(2026, 5, 9) in dates  # 调休 Saturday
            assert date(2026, 5, 1) not in dates and date(2026, 4, 6) not in dates
            assert a["start_time"] == venues[a["venue"]]["after_school_start"]
            assert a["requires_vetting"] and a["children_present"]
            assert a["needs"] == [{"skill": "tutor", "min": 2, "max": 4}]
        if a["type_code"].startswith("outreach_"):
            assert a["requires_party_lead"]
            skill = ACTIVITY_TYPES[a["type_code"]][2]
            assert a["needs"][0]["skill"] == skill
    assert total > 3000
    labels = {a["group_label"] for a in county["activities"] if a["group_label"]}
    assert labels == {"一二年级", "三四年级", "五六年级"}


def test_volunteers_round_trip_through_the_sheet(county):
    comm_ids = {c["code"]: i + 1 for i, c in enumerate(county["communities"])}
    grid_ids = {g["ref"]: i + 1 for i, g in enumerate(county["grids"])}
    grid_keys = {(comm_ids[g["community"]], g["name"]): grid_ids[g["ref"]] for g in county["grids"]}
    grid_names = {grid_ids[g["ref"]]: g["name"] for g in county["grids"]}
    expected = []
    for v in county["volunteers"]:
        row = {
            k: v[k]
            for k in v
            if k not in ("ref", "community", "grid", "preferences", "guardian_consent_at")
        }
        row["community_id"] = comm_ids[v["community"]]
        row["grid_id"] = grid_ids[v["grid"]]
        row["qualifications"] = [
            {k: q[k] for k in ("skill", "number", "valid_until", "verified")}
            for q in v["qualifications"]
        ]
        row["contact_channels"] = [
            {k: c[k] for k in ("channel", "address", "consent")} for c in v["contact_channels"]
        ]
        expected.append(row)
    for fmt in ("xlsx", "csv"):
        data = write_volunteers(
            expected, fmt, grids=grid_names, communities={i: c for c, i in comm_ids.items()}
        )
        result = read_volunteers(
            data, f"demo.{fmt}", communities=comm_ids, grids=grid_keys, today=TERM_DAY
        )
        # Only the two minors without guardian consent are refused, exactly as they should be.
        refused = result.errors
        assert len(refused) == 2 and {e.column for e in refused} == {"监护人同意"}
        accepted = [r for r in expected if r["guardian_consent"] or r["birth_date"] <= "2008-07-10"]
        assert result.rows == accepted
