"""The NRP adapter: checksums, parsing, lossless conversion, objective and hard rules."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import replace
from datetime import date

import pytest

from scheduler.bench import nrp

TINY = """\
# A one-week instance small enough to price by hand.
SECTION_HORIZON
7

SECTION_SHIFTS
D,480,
N,600,D

SECTION_STAFF
A,D=7|N=2,2400,960,3,2,2,1
B,D=7|N=0,2400,960,3,2,2,0

SECTION_DAYS_OFF
A,3
B,0

SECTION_SHIFT_ON_REQUESTS
A,0,D,2
B,5,D,1
B,3,D,4

SECTION_SHIFT_OFF_REQUESTS
A,1,D,3

SECTION_COVER
0,D,1,100,1
0,N,0,100,1
1,D,1,100,1
1,N,0,100,1
2,D,1,100,1
2,N,1,100,1
3,D,1,100,1
3,N,0,100,1
4,D,1,100,1
4,N,0,100,1
5,D,1,100,1
5,N,0,100,1
6,D,1,100,1
6,N,0,100,1
"""

# A: days 0-1 and 4-5; B: days 1-2.  Feasible for every hard rule.
ROSTER = {("A", 0, "D"), ("A", 1, "D"), ("A", 4, "D"), ("A", 5, "D"), ("B", 1, "D"), ("B", 2, "D")}


def _best_known(nrp_data):
    with open(nrp_data / "best_known.csv", newline="") as handle:
        return {row["instance"]: row for row in csv.DictReader(handle)}


def _normal(instance: nrp.Instance) -> nrp.Instance:
    """The instance with order-free parts sorted, for comparison."""
    return replace(
        instance,
        name="",
        days_off={k: tuple(sorted(v)) for k, v in instance.days_off.items() if v},
        on_requests=sorted(instance.on_requests, key=repr),
        off_requests=sorted(instance.off_requests, key=repr),
        cover=sorted(instance.cover, key=repr),
    )


def test_files_match_their_checksums(nrp_data):
    sums = (nrp_data / "SHA256SUMS").read_text().split("\n")
    listed = dict(reversed(line.split()) for line in sums if line.strip())
    assert len(listed) == 24
    for name, digest in listed.items():
        assert hashlib.sha256((nrp_data / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("number", range(1, 25))
def test_parse_and_convert_without_loss(nrp_data, number):
    instance = nrp.load_instance(nrp_data / f"Instance{number}.txt")
    known = _best_known(nrp_data)[f"Instance{number}"]
    assert instance.horizon == 7 * int(known["weeks"])
    assert len(instance.staff) == int(known["employees"])
    assert len(instance.shift_types) == int(known["shift_types"])
    assert len(instance.cover) == instance.horizon * len(instance.shift_types)

    problem = nrp.to_problem(instance)
    assert len(problem["volunteers"]) == len(instance.staff)
    assert len(problem["shifts"]) == len(instance.cover)
    assert date.fromisoformat(problem["horizon"]["start"]).weekday() == 0
    assert _normal(nrp.instance_from_problem(problem)) == _normal(instance)
    assert (
        nrp.evaluate(instance, set()).total
        == nrp.evaluate(nrp.instance_from_problem(problem), set()).total
    )


def test_converted_problems_pass_the_engine_schema(nrp_data):
    problem_module = pytest.importorskip("scheduler.engine.problem")
    for number in (1, 8, 13):
        problem = nrp.to_problem(nrp.load_instance(nrp_data / f"Instance{number}.txt"))
        problem_module.check_schema(problem)


def test_conversion_maps_each_rule():
    instance = nrp.parse_instance(TINY, "tiny")
    problem = nrp.to_problem(instance)
    rules = problem["rules"]
    assert rules["max_shifts_per_day"] == 1
    assert rules["forbidden_successions"] == [{"first_kind": "N", "then_kind": "D"}]
    assert rules["min_block_boundary"] == "exempt"
    a, b = problem["volunteers"]
    assert a["max_shifts_by_kind"] == {"D": 7, "N": 2} and b["max_shifts_by_kind"]["N"] == 0
    assert (a["max_hours_total"], a["min_hours_total"]) == (40, 16)
    assert (a["max_consecutive_days"], a["min_consecutive_days"]) == (3, 2)
    assert a["min_consecutive_days_off"] == 2 and b["max_weekends"] == 0
    assert a["leave"] == [{"start": "2024-01-04", "end": "2024-01-04"}]
    assert {"date": "2024-01-02", "kind": "D", "want": False, "weight": 3} in (
        a["preferences"]["shift_requests"]
    )
    night = next(s for s in problem["shifts"] if s["id"] == nrp.shift_id(2, "N"))
    assert (night["start"], night["end"]) == ("08:00", "18:00")
    assert night["needs"] == [
        {"skill": "nurse", "min": 1, "max": 2, "weight_under": 100, "weight_over": 1}
    ]
    assert {s["start"] for s in problem["shifts"]} == {"08:00"}
    weights = problem["weights"]
    assert all(weights[k] == 0 for k in ("fairness", "continuity", "proximity", "mentoring"))
    assert weights["stability"] == weights["preference"] == 0 and weights["requests"] == 1
    assert problem["strategy"] == "weighted"


def test_evaluator_prices_a_hand_made_roster():
    instance = nrp.parse_instance(TINY, "tiny")
    penalty = nrp.evaluate(instance, ROSTER)
    # Cover: D short on days 3 and 6 (2 x 100), D one over on day 1 (1), N short on day 2 (100).
    assert (penalty.under_cover, penalty.over_cover) == (300, 1)
    # On-requests B day 5 (1) and B day 3 (4) unmet; off-request A day 1 (3) broken.
    assert (penalty.on_requests, penalty.off_requests) == (5, 3)
    assert penalty.total == 309


def test_roster_from_plan_reads_assignments():
    instance = nrp.parse_instance(TINY, "tiny")
    plan = {
        "assignments": [
            {"volunteer_id": e, "shift_id": nrp.shift_id(d, s), "skill": "nurse"}
            for e, d, s in sorted(ROSTER)
        ]
    }
    assert nrp.roster_from_plan(instance, plan) == ROSTER
    with pytest.raises(ValueError):
        nrp.roster_from_plan(instance, {"assignments": [{"volunteer_id": "A", "shift_id": "x"}]})


@pytest.mark.parametrize(
    ("add", "remove", "expected"),
    [
        ({("B", 0, "D")}, set(), ["B: works on day off 0"]),
        ({("A", 0, "N")}, {("A", 0, "D")}, ["A: D on day 1 follows N"]),
        ({("A", 5, "N")}, set(), ["A: 2 shifts on day 5", "A: 2520 minutes outside"]),
        ({("B", 2, "N")}, {("B", 2, "D")}, ["B: 1 shifts of N, at most 0"]),
        ({("B", 3, "D"), ("B", 4, "D")}, set(), ["B: 4 days in a row from day 1"]),
        (set(), {("B", 1, "D")}, ["B: 480 minutes outside [960, 2400]", "B: work block of 1"]),
        ({("A", 2, "D")}, set(), ["A: days-off block of 1 from day 3"]),
        ({("B", 6, "D")}, set(), ["B: 1 weekends worked, at most 0"]),
    ],
)
def test_checker_catches_each_hard_rule(add, remove, expected):
    instance = nrp.parse_instance(TINY, "tiny")
    assert nrp.check(instance, ROSTER) == []
    problems = nrp.check(instance, (ROSTER - remove) | add)
    for text in expected:
        assert any(p.startswith(text) for p in problems), (text, problems)
    assert len(problems) == len(expected), problems


def test_parser_rejects_broken_files():
    with pytest.raises(nrp.NrpFormatError):
        nrp.parse_instance(TINY.replace("A,0,D,2", "Z,0,D,2"))
    with pytest.raises(nrp.NrpFormatError):
        nrp.parse_instance("SECTION_NOPE\n1\n")


def test_engine_solves_instance1_and_the_evaluator_agrees(nrp_data):
    engine = pytest.importorskip("scheduler.engine")
    instance = nrp.load_instance(nrp_data / "Instance1.txt")
    plan = engine.solve(
        nrp.to_problem(instance), time_limit=5, deterministic=True, seed=0, in_process=True
    )
    assert plan["status"] in ("OPTIMAL", "FEASIBLE")
    roster = nrp.roster_from_plan(instance, plan)
    assert nrp.check(instance, roster) == []
    assert plan["objective"]["value"] == pytest.approx(nrp.evaluate(instance, roster).total)
