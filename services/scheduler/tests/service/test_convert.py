"""Snapshot to engine problem: ids as text, registry names mapped, the engine accepts it."""

from __future__ import annotations

from scheduler.engine import load_problem
from scheduler.service.convert import snapshot_to_problem, with_pins_and_exclusions

from .conftest import small_snapshot


def test_snapshot_becomes_a_problem_the_engine_accepts() -> None:
    problem = snapshot_to_problem(small_snapshot(), "2026-03-02", "2026-03-08")
    load_problem(problem)
    assert problem["format"] == "linli-problem/1"
    assert problem["horizon"] == {"start": "2026-03-02", "end": "2026-03-08"}
    shift = problem["shifts"][0]
    assert shift["id"] == "1000" and shift["venue_id"] == "10"
    assert shift["start"] == "16:30" and shift["end"] == "18:00"
    assert shift["kind"] == "after_school"
    assert shift["requires"]["vetting"] is True and shift["children_present"] is True
    assert shift["meta"] == {"activity_name": "四点半课堂", "venue_name": "幸福邻里中心",
                             "venue_address": "幸福路1号"}
    volunteer = next(v for v in problem["volunteers"] if v["id"] == "100")
    assert volunteer["preferences"]["venues"] == ["10"]
    assert "phone" not in volunteer


def test_cancelled_shifts_inactive_volunteers_and_dates_outside_are_left_out() -> None:
    snap = small_snapshot()
    snap["shifts"][0]["status"] = "cancelled"
    snap["volunteers"][0]["active"] = False
    snap["shifts"][1]["date"] = "2026-04-01"
    problem = snapshot_to_problem(snap, "2026-03-02", "2026-03-08")
    ids = {s["id"] for s in problem["shifts"]}
    assert "1000" not in ids and "1001" not in ids
    assert "100" not in {v["id"] for v in problem["volunteers"]}


def test_home_times_and_needs_are_normalised() -> None:
    snap = small_snapshot()
    snap["volunteers"][0].update(home_lat=25.7, home_lon=114.5)
    snap["shifts"][0].update(start_time="16:30:00", end_time="18:00:00",
                             needs=[{"skill": "tutor", "min": 2, "max": None}])
    problem = snapshot_to_problem(snap, "2026-03-02", "2026-03-08")
    assert problem["volunteers"][0]["home"] == {"lat": 25.7, "lon": 114.5}
    assert problem["shifts"][0]["start"] == "16:30"
    assert problem["shifts"][0]["needs"] == [{"skill": "tutor", "min": 2, "max": 2}]
    assert problem["shifts"][1]["needs"] == [{"skill": "tutor", "min": 2, "max": 3}]


def test_pins_declines_and_previous_plan_are_added_to_a_copy() -> None:
    problem = snapshot_to_problem(small_snapshot(), "2026-03-02", "2026-03-08")
    out = with_pins_and_exclusions(
        problem, [{"volunteer_id": 100, "shift_id": 1000, "skill": "tutor"}], [(101, 1001)],
        [{"volunteer_id": 102, "shift_id": 1002, "skill": "tutor"}],
    )
    load_problem(out)
    assert out["pins"] == [{"volunteer_id": "100", "shift_id": "1000", "skill": "tutor"}]
    declined = next(v for v in out["volunteers"] if v["id"] == "101")
    assert declined["preferences"]["shift_requests"][0]["want"] is False
    assert out["previous_plan"]["assignments"][0]["volunteer_id"] == "102"
    assert problem["pins"] == []
