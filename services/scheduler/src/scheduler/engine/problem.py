"""Planning problem: JSON Schema check, cross-reference check, and frozen dataclasses."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from .errors import ProblemError
from .timeutil import MINUTES_PER_DAY, parse_date, parse_hhmm

DEFAULT_RULES: dict[str, Any] = {
    "max_shifts_per_day": None,
    "min_rest_minutes": 0,
    "max_consecutive_days": None,
    "travel_speed_kmh": 15.0,
    "travel_buffer_minutes": 10,
    "minor_daytime": ["08:00", "20:00"],
    "min_adults_with_children": 2,
    "forbidden_successions": [],
    "min_block_boundary": "exempt",
}
DEFAULT_WEIGHTS: dict[str, int] = {
    "coverage": 1000, "over_cover": 0, "fairness": 10, "preference": 5, "requests": 1,
    "continuity": 5, "proximity": 1, "mentoring": 2, "stability": 50,
}
ADULT_AGE = 18


@dataclass(frozen=True)
class Venue:
    """A place where shifts happen."""

    id: str
    name: str
    community_id: str | None
    lat: float
    lon: float


@dataclass(frozen=True)
class Qualification:
    """A checked qualification for one skill, valid over a date range."""

    skill: str
    verified: bool
    valid_from: date | None
    valid_until: date | None


@dataclass(frozen=True)
class Window:
    """A weekly availability window (weekday 0 = Monday), minutes since midnight."""

    weekday: int
    start: int
    end: int


@dataclass(frozen=True)
class ShiftRequest:
    """A wish to work (or not) on a date, optionally a kind of shift."""

    date: date
    kind: str | None
    want: bool
    weight: int


@dataclass(frozen=True)
class Volunteer:
    """A person who can be assigned, with limits and wishes."""

    id: str
    name: str
    community_id: str | None
    team: str | None
    party_member: bool
    skills: frozenset[str]
    qualifications: tuple[Qualification, ...]
    vetted_until: date | None
    insured_until: date | None
    birth_date: date | None
    guardian_consent: bool
    availability: tuple[Window, ...]
    leave: tuple[tuple[date, date], ...]
    max_hours_week: float | None
    max_hours_month: float | None
    min_hours_total: float | None
    max_hours_total: float | None
    max_shifts_per_day: int | None
    max_consecutive_days: int | None
    min_consecutive_days: int | None
    min_consecutive_days_off: int | None
    max_weekends: int | None
    max_shifts_by_kind: tuple[tuple[str, int], ...]
    home: tuple[float, float] | None
    experienced: bool
    pref_venues: frozenset[str]
    avoid_venues: frozenset[str]
    partners: tuple[str, ...]
    shift_requests: tuple[ShiftRequest, ...]

    def dislikes(self, venue_id: str) -> bool:
        """An avoided venue, or one outside a non-empty list of preferred venues."""
        return venue_id in self.avoid_venues or bool(
            self.pref_venues and venue_id not in self.pref_venues)


@dataclass(frozen=True)
class Need:
    """How many people of one skill a shift wants (min) and tolerates (max)."""

    skill: str
    min: int
    max: int
    weight_under: int
    weight_over: int


@dataclass(frozen=True)
class Shift:
    """One dated occurrence of an activity at a venue; times in minutes."""

    id: str
    activity_id: str | None
    kind: str
    venue_id: str
    community_id: str | None
    date: date
    day: int  # index of `date` within the horizon
    start: int  # minutes since midnight
    end: int  # minutes since midnight of the end day (may be < start when overnight)
    abs_start: int  # minutes since horizon start
    abs_end: int
    group_id: str | None
    priority: int
    children_present: bool
    needs: tuple[Need, ...]
    vetting: bool
    insurance: bool
    party_lead: bool
    min_age: int
    max_age: int | None
    radius_km: float | None
    minutes: int  # length (abs_end - abs_start), stored: it is read millions of times


@dataclass(frozen=True)
class Pin:
    """An assignment a coordinator fixed by hand."""

    volunteer_id: str
    shift_id: str
    skill: str


@dataclass(frozen=True, eq=False)
class Problem:
    """A complete, checked planning problem."""

    start: date
    end: date
    rules: dict[str, Any]
    weights: dict[str, int]
    venues: tuple[Venue, ...]
    volunteers: tuple[Volunteer, ...]
    shifts: tuple[Shift, ...]
    pins: tuple[Pin, ...]
    previous: tuple[Pin, ...]
    strategy: str
    raw: dict[str, Any] = field(repr=False)
    venue_by_id: dict[str, Venue] = field(repr=False)
    volunteer_by_id: dict[str, Volunteer] = field(repr=False)
    shift_by_id: dict[str, Shift] = field(repr=False)

    @property
    def days(self) -> int:
        """Number of days in the horizon."""
        return (self.end - self.start).days + 1


@cache
def problem_schema() -> dict[str, Any]:
    """The problem JSON Schema shipped with the engine."""
    text = resources.files(__package__).joinpath("schema/problem.schema.json").read_text("utf-8")
    return json.loads(text)


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(error: jsonschema.ValidationError) -> tuple[str, str]:
    path = _path(error.absolute_path)
    kind, value = error.validator, error.validator_value
    if kind == "required":
        missing = [k for k in value if isinstance(error.instance, dict) and k not in error.instance]
        name = missing[0] if missing else "?"
        return (f"{path}.{name}" if path else name), "is required"
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        name = extra[0] if extra else "?"
        return (f"{path}.{name}" if path else name), "unknown field"
    texts = {
        "minimum": f"must be >= {value}",
        "maximum": f"must be <= {value}",
        "exclusiveMinimum": f"must be > {value}",
        "type": f"must be of type {value}",
        "pattern": "has the wrong format (dates YYYY-MM-DD, times HH:MM)",
        "enum": f"must be one of {value}",
        "const": f"must be {value!r}",
        "minLength": "must not be empty",
        "minItems": f"needs at least {value} item(s)",
        "maxItems": f"takes at most {value} item(s)",
    }
    if kind == "anyOf":
        # Report the most specific branch instead of "is not valid under any of the schemas".
        best = jsonschema.exceptions.best_match(error.context or [])
        if best is not None and best.validator != "type":
            return _message(best)
        return path, "has the wrong type or value"
    return path, texts.get(kind, error.message)


@cache
def _fast_validator() -> Any:
    try:
        import jsonschema_rs  # noqa: PLC0415 - optional accelerator (in the lock file)
    except ImportError:
        return None
    return jsonschema_rs.validator_for(problem_schema())


def check_schema(data: Any) -> None:
    """Raise ProblemError for the first schema violation in `data` (all listed in .errors).

    A compiled validator answers "valid?" quickly on large problems; only an invalid problem
    goes through jsonschema, whose errors carry the paths we report.
    """
    fast = _fast_validator()
    if fast is not None and fast.is_valid(data):
        return
    validator = jsonschema.Draft202012Validator(problem_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        found = [_message(e) for e in errors]
        raise ProblemError(found[0][0], found[0][1], found)


def load_problem(data: dict[str, Any]) -> Problem:
    """Check a problem dict against the schema and its cross-references; build a Problem."""
    if isinstance(data, Problem):
        return data
    check_schema(data)
    from .loader import build_problem  # noqa: PLC0415 - keeps this module about the types

    return build_problem(data)


__all__ = [
    "ADULT_AGE", "DEFAULT_RULES", "DEFAULT_WEIGHTS", "MINUTES_PER_DAY", "Need", "Pin",
    "Problem", "ProblemError", "Qualification", "Shift", "ShiftRequest", "Venue", "Volunteer",
    "Window", "check_schema", "load_problem", "parse_date", "parse_hhmm",
]
