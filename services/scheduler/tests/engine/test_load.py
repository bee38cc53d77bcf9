"""Problem loading: schema errors and cross-references name the offending field."""

from __future__ import annotations

import pytest

from scheduler.engine import ProblemError, load_problem


def test_valid_problem_loads_into_frozen_dataclasses(mk):
    prob = load_problem(mk.problem([mk.volunteer("p1")], [mk.shift("s1")]))
    assert prob.shifts[0].minutes == 90
    assert prob.volunteers[0].skills == frozenset({"tutor"})
    with pytest.raises(AttributeError):
        prob.shifts[0].priority = 5  # type: ignore[misc]


@pytest.mark.parametrize("mutate, field, text", [
    (lambda d: d["shifts"][0]["needs"][0].update(min=-1), "shifts[0].needs[0].min",
     "must be >= 0"),
    (lambda d: d["shifts"][0].update(venue_id="nowhere"), "shifts[0].venue_id",
     "unknown venue"),
    (lambda d: d.update(pins=[{"volunteer_id": "ghost", "shift_id": "s1"}]),
     "pins[0].volunteer_id", "unknown volunteer"),
    (lambda d: d.update(pins=[{"volunteer_id": "p1", "shift_id": "s9"}]), "pins[0].shift_id",
     "unknown shift"),
    (lambda d: d["shifts"][0].update(start="25:00"), "shifts[0].start", "format"),
    (lambda d: d["volunteers"][0].pop("id"), "volunteers[0].id", "is required"),
    (lambda d: d["volunteers"][0].update(colour="red"), "volunteers[0].colour",
     "unknown field"),
    (lambda d: d["shifts"][0].update(date="2026-04-01"), "shifts[0].date", "outside"),
    (lambda d: d["shifts"][0]["needs"][0].update(min=3, max=2), "shifts[0].needs[0].max",
     "must be >= min"),
    (lambda d: d["volunteers"].append(dict(d["volunteers"][0])), "volunteers[1].id",
     "duplicate"),
    (lambda d: d["volunteers"][0].update(preferences={"partners": ["p9"]}),
     "volunteers[0].preferences.partners[0]", "unknown volunteer"),
    (lambda d: d.update(format="other"), "format", "must be"),
])
def test_bad_problem_names_field(mk, mutate, field, text):
    data = mk.problem([mk.volunteer("p1")], [mk.shift("s1")])
    mutate(data)
    with pytest.raises(ProblemError) as info:
        load_problem(data)
    assert info.value.field == field
    assert text in str(info.value)
    assert str(info.value).startswith(field + ": ")


def test_importing_the_engine_does_not_load_or_tools():
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src"
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import scheduler.engine; "
            "assert not any(m.startswith('ortools') for m in sys.modules)")
    subprocess.run([sys.executable, "-c", code, str(src)], check=True)


def test_public_functions_survive_submodule_imports():
    import importlib

    import scheduler.engine as engine

    for name in ("replan", "ranking", "changes", "api", "validate"):
        importlib.import_module(f"scheduler.engine.{name}")
    for name in ("solve", "repair", "candidates", "validate_plan", "load_problem"):
        assert callable(getattr(engine, name)), name
