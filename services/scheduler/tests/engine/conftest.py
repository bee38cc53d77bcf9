"""Tiny-instance builders shared by the engine tests."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scheduler.engine import solve, validate_plan

BASE_VENUES = [
    {"id": "v1", "name": "幸福社区邻里中心", "community_id": "c1", "lat": 25.79, "lon": 114.54},
    {"id": "v2", "name": "和平社区党群服务中心", "community_id": "c2", "lat": 25.88, "lon": 114.54},
]


def volunteer(vid: str, **fields: Any) -> dict[str, Any]:
    """An adult, vetted, always-available tutor unless fields say otherwise."""
    return {"id": vid, "name": f"志愿者{vid}", "skills": ["tutor"], "vetted_until": "2030-01-01",
            **fields}


def shift(sid: str, date: str = "2026-03-02", start: str = "16:30", end: str = "18:00",
          venue: str = "v1", need_min: int = 1, need_max: int | None = None,
          skill: str = "tutor", **fields: Any) -> dict[str, Any]:
    """A shift with one need."""
    return {"id": sid, "kind": fields.pop("kind", "after_school"), "venue_id": venue,
            "date": date, "start": start, "end": end,
            "needs": [{"skill": skill, "min": need_min,
                       "max": need_min if need_max is None else need_max}], **fields}


def problem(volunteers: list[dict], shifts: list[dict], **fields: Any) -> dict[str, Any]:
    """A one-week problem (Monday 2026-03-02 to Sunday 2026-03-08) with coverage weight only."""
    data = {
        "format": "linli-problem/1",
        "horizon": {"start": "2026-03-02", "end": "2026-03-08"},
        "rules": {"min_adults_with_children": 1},
        "weights": {"coverage": 1000, "fairness": 0, "preference": 0, "continuity": 0,
                    "proximity": 0, "mentoring": 0, "stability": 0},
        "venues": copy.deepcopy(BASE_VENUES),
        "volunteers": volunteers,
        "shifts": shifts,
    }
    for key, value in fields.items():
        if key == "rules":
            data["rules"] = {**data["rules"], **value}
        elif key == "weights":
            data["weights"] = {**data["weights"], **value}
        else:
            data[key] = value
    return data


def run(data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Solve in process, deterministically, and check the plan with the validator."""
    kwargs.setdefault("time_limit", 5.0)
    plan = solve(data, in_process=True, deterministic=True, **kwargs)
    if plan["status"] in ("OPTIMAL", "FEASIBLE"):
        assert validate_plan(data, plan) == []
    return plan


def pairs(plan: dict[str, Any]) -> set[tuple[str, str]]:
    """(volunteer_id, shift_id) of every assignment."""
    return {(a["volunteer_id"], a["shift_id"]) for a in plan["assignments"]}


def codes(plan: dict[str, Any], shift_id: str) -> list[str]:
    """Reason codes of the unfilled entry of a shift."""
    return next(u["reason_codes"] for u in plan["unfilled"] if u["shift_id"] == shift_id)


@pytest.fixture
def mk():
    """The builders, as one namespace."""

    class Builders:
        pass

    b = Builders()
    b.volunteer, b.shift, b.problem, b.run = volunteer, shift, problem, run
    b.pairs, b.codes = pairs, codes
    return b
