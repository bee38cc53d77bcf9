"""Stored instances (JSON regression files) solve to plans the validator accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scheduler.engine import solve, validate_plan

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("path", sorted(DATA.glob("*.json")), ids=lambda p: p.stem)
def test_stored_instance(path):
    data = json.loads(path.read_text("utf-8"))
    plan = solve(data, in_process=True, deterministic=True, time_limit=5)
    assert plan["status"] in ("OPTIMAL", "FEASIBLE")
    assert plan["solver"]["coverage_status"] == "OPTIMAL"
    assert validate_plan(data, plan) == []
    for entry in plan["unfilled"]:
        assert entry["reason"] and entry["reason_codes"]
