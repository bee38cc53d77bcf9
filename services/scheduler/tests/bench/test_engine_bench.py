"""The engine benchmark runner (bench/engine_bench.py): coverage arithmetic and one real run."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from .conftest import REPO

RUNNER = REPO / "bench" / "engine_bench.py"


@pytest.fixture(scope="module")
def engine_bench():
    spec = importlib.util.spec_from_file_location("engine_bench", RUNNER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_coverage_counts_places_up_to_min_and_weighs_them(engine_bench):
    weights = {"s1\ttutor": [2, 3000], "s2\tgeneral": [1, 1000]}
    plan = {
        "assignments": [
            {"volunteer_id": "a", "shift_id": "s1", "skill": "tutor"},
            {"volunteer_id": "b", "shift_id": "s2", "skill": "general"},
            {"volunteer_id": "c", "shift_id": "s2", "skill": "general"},  # above min
        ],
        "unfilled": [{"shift_id": "s1", "skill": "tutor", "missing": 1, "reason": "没有人"}],
    }
    result = engine_bench.coverage(plan, weights)
    assert (result["slots"], result["covered"]) == (3, 2)
    assert result["shortfall_cost"] == 3000
    assert result["weighted_coverage"] == pytest.approx(4000 / 7000)
    assert result["unfilled_consistent"]
    assert result["unfilled_with_reason"] == result["unfilled_entries"] == 1


def test_coverage_only_switches_off_every_other_term(engine_bench):
    problem = {
        "weights": {"coverage": 1000, "fairness": 10, "stability": 50},
        "shifts": [{"needs": [{"skill": "x", "min": 1, "weight_over": 4}]}],
    }
    reference = engine_bench.coverage_only(problem)
    assert reference["weights"]["coverage"] == 1000
    assert all(v == 0 for k, v in reference["weights"].items() if k != "coverage")
    assert reference["shifts"][0]["needs"][0]["weight_over"] == 0
    assert problem["weights"]["fairness"] == 10  # the original is untouched


def test_runner_solves_instance1_in_a_child_and_checks_it(tmp_path):
    pytest.importorskip("scheduler.engine")
    out = tmp_path / "engine.json"
    subprocess.run(
        [sys.executable, str(RUNNER), "--cases", "Instance1", "--nrp-time", "3", "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (case,) = json.loads(out.read_text(encoding="utf-8"))["cases"]
    assert case["case"] == "Instance1" and case["valid"]
    assert case["nrp"]["hard_violation_count"] == 0
    assert case["nrp"]["engine_objective_matches"]
    assert case["peak_rss_mib"] > 10
