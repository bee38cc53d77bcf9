"""Variable container shared by the rule modules while a model is built, and the solved-plan
state the rules consult to explain why a free candidate could not be added."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ortools.sat.python import cp_model

from .index import VolunteerIndex, venue_distance_km
from .problem import Problem, Volunteer
from .timeutil import travel_minutes

# Objective coefficients are in 1/60 units so that "per hour" weights stay integral per minute.
SCALE = 60


@dataclass
class ModelContext:
    """CP-SAT model plus the variables and cost terms the rules create."""

    problem: Problem
    ix: VolunteerIndex
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    with_assumptions: bool = False
    x: dict[tuple[int, int, str], cp_model.IntVar] = field(default_factory=dict)
    shifts_of: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    slot_vars: dict[tuple[int, str], list[tuple[int, Any]]] = field(
        default_factory=lambda: defaultdict(list))
    works_vars: dict[tuple[int, int], Any] = field(default_factory=dict)
    people_on: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    ineligible: dict[tuple[int, int, str], list[str]] = field(default_factory=dict)
    shortfall: dict[tuple[int, str], Any] = field(default_factory=dict)
    excess: dict[tuple[int, str], Any] = field(default_factory=dict)
    terms: dict[str, list[tuple[int, Any]]] = field(default_factory=lambda: defaultdict(list))
    constants: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    guards: dict[tuple, cp_model.IntVar] = field(default_factory=dict)
    greedy_values: list[int] | None = None
    shares: dict[int, int] | None = None  # fair share in minutes per volunteer, once computed
    deviations: list[tuple[Any, int, int]] = field(default_factory=list)  # (var, vi, share)
    _days: dict[tuple[int, int], Any] = field(default_factory=dict)
    _travel: dict[tuple[str, str], int] = field(default_factory=dict)

    # -- variables -------------------------------------------------------------------------
    def add_pair(self, vi: int, si: int, skill: str) -> cp_model.IntVar:
        """Create the decision "volunteer vi fills a `skill` place on shift si"."""
        vol, shift = self.problem.volunteers[vi], self.problem.shifts[si]
        var = self.model.new_bool_var(f"assign(vol={vol.id}, shift={shift.id}, skill={skill})")
        self.x[(vi, si, skill)] = var
        self.slot_vars[(si, skill)].append((vi, var))
        if (vi, si) not in self.works_vars:
            self.works_vars[(vi, si)] = [var]
            self.shifts_of[vi].append(si)
            self.people_on[si].append(vi)
        else:
            self.works_vars[(vi, si)].append(var)
        return var

    def finish_pairs(self) -> None:
        """Collapse each volunteer/shift pair to one "works" literal (one place per shift)."""
        for key, vars_ in self.works_vars.items():
            if len(vars_) == 1:
                self.works_vars[key] = vars_[0]
            else:
                vi, si = key
                works = self.model.new_bool_var(f"works(vol={vi}, shift={si})")
                self.model.add(sum(vars_) == works)
                self.works_vars[key] = works
        shifts = self.problem.shifts
        for vi in self.shifts_of:
            self.shifts_of[vi].sort(key=lambda si: (shifts[si].abs_start, shifts[si].abs_end))

    def fair_shares(self) -> dict[int, int]:
        """Fair share in minutes per volunteer with any shift (objective.fair_shares), cached."""
        if self.shares is None:
            from .objective import fair_shares  # noqa: PLC0415 - objective imports this module

            self.shares = fair_shares(self)
        return self.shares

    def works(self, vi: int, si: int) -> Any:
        """Literal: volunteer vi works shift si (any skill)."""
        return self.works_vars[(vi, si)]

    def day_worked(self, vi: int, day: int) -> Any:
        """Literal (or 0): volunteer vi works at least one shift on horizon day `day`."""
        key = (vi, day)
        if key not in self._days:
            lits = [self.works(vi, si) for si in self.shifts_on_day(vi, day)]
            if not lits:
                self._days[key] = 0
            elif len(lits) == 1:
                self._days[key] = lits[0]
            else:
                var = self.model.new_bool_var(f"day_worked(vol={vi}, day={day})")
                if self._one_a_day(vi):
                    # At most one shift a day: the day is worked iff the sum is 1, an exact
                    # linear definition (max() leaves the LP a day "worked" at any fraction
                    # between the largest shift and their sum). Not with assumption literals:
                    # there the daily maximum must stay a rule group that can be switched off.
                    self.model.add(var == lsum(lits))
                else:
                    self.model.add_max_equality(var, lits)
                self._days[key] = var
        return self._days[key]

    def _one_a_day(self, vi: int) -> bool:
        return not self.with_assumptions and effective(
            self.problem.volunteers[vi], self.problem, "max_shifts_per_day") == 1

    def shifts_on_day(self, vi: int, day: int) -> list[int]:
        """Shifts of volunteer vi (with a variable) that start on horizon day `day`."""
        return self._by_day.get((vi, day), [])

    @cached_property
    def _by_day(self) -> dict[tuple[int, int], list[int]]:
        out: dict[tuple[int, int], list[int]] = defaultdict(list)
        for vi, sis in self.shifts_of.items():
            for si in sis:
                out[(vi, self.problem.shifts[si].day)].append(si)
        return out

    # -- hard-rule groups (assumption literals when looking for a conflict) ------------------
    def enforce(self, constraint: cp_model.Constraint, key: tuple) -> None:
        """Tie a hard constraint to its rule group's assumption literal, when enabled."""
        if not self.with_assumptions:
            return
        if key not in self.guards:
            self.guards[key] = self.model.new_bool_var(f"holds{key}")
        constraint.only_enforce_if(self.guards[key])

    # -- objective ------------------------------------------------------------------------
    def cost(self, term: str, coef: int, expr: Any) -> None:
        """Add coef * expr to the named objective term (coef already in 1/SCALE units)."""
        if coef:
            self.terms[term].append((int(coef), expr))

    def travel(self, a: str, b: str) -> int:
        """Minutes to get from venue a to venue b."""
        key = (a, b) if a <= b else (b, a)
        if key not in self._travel:
            rules = self.problem.rules
            self._travel[key] = 0 if a == b else travel_minutes(
                venue_distance_km(self.problem, a, b), rules["travel_speed_kmh"],
                rules["travel_buffer_minutes"])
        return self._travel[key]


@dataclass
class PlanState:
    """A solved plan seen per volunteer, for 'would adding vi to si break a rule' questions."""

    problem: Problem
    ix: VolunteerIndex
    shifts_of: dict[int, list[int]]
    people_on: dict[int, list[int]]
    travel_cache: dict[tuple[str, str], int] = field(default_factory=dict)
    _loads: dict[int, Load] = field(default_factory=dict)

    def travel(self, a: str, b: str) -> int:
        """Minutes to get from venue a to venue b."""
        key = (a, b) if a <= b else (b, a)
        if key not in self.travel_cache:
            rules = self.problem.rules
            self.travel_cache[key] = 0 if a == b else travel_minutes(
                venue_distance_km(self.problem, a, b), rules["travel_speed_kmh"],
                rules["travel_buffer_minutes"])
        return self.travel_cache[key]

    def vol(self, vi: int) -> Volunteer:
        """The volunteer at index vi."""
        return self.problem.volunteers[vi]

    def add(self, vi: int, si: int) -> None:
        """Record that vi works si (keeping the per-volunteer totals current)."""
        self.shifts_of[vi].append(si)
        self.people_on[si].append(vi)
        if vi in self._loads:
            self._loads[vi].add(self.problem.shifts[si])

    def remove(self, vi: int, si: int) -> None:
        """Record that vi no longer works si (their totals are rebuilt on next use)."""
        self.shifts_of[vi].remove(si)
        self.people_on[si].remove(vi)
        self._loads.pop(vi, None)

    def load(self, vi: int) -> Load:
        """Totals of vi's current shifts (built on first use, then kept current)."""
        if vi not in self._loads:
            load = Load()
            for si in self.shifts_of.get(vi, []):
                load.add(self.problem.shifts[si])
            self._loads[vi] = load
        return self._loads[vi]


@dataclass
class Load:
    """One volunteer's totals in a plan: minutes per ISO week / month, shifts per day / kind."""

    total: int = 0
    week: dict = field(default_factory=lambda: defaultdict(int))
    month: dict = field(default_factory=lambda: defaultdict(int))
    day: dict = field(default_factory=lambda: defaultdict(int))
    kind: dict = field(default_factory=lambda: defaultdict(int))

    def add(self, shift: Any) -> None:
        """Count one more shift."""
        iso = shift.date.isocalendar()
        self.total += shift.minutes
        self.week[(iso[0], iso[1])] += shift.minutes
        self.month[(shift.date.year, shift.date.month)] += shift.minutes
        self.day[shift.day] += 1
        self.kind[shift.kind] += 1


def lsum(lits: list) -> Any:
    """Fast sum of literals/variables (LinearExpr.sum instead of Python's sum)."""
    return cp_model.LinearExpr.sum(lits)


def wsum(pairs: list[tuple[int, Any]]) -> Any:
    """Fast weighted sum of (coefficient, variable) pairs."""
    if not pairs:
        return 0
    coefs, vars_ = zip(*pairs, strict=True)
    return cp_model.LinearExpr.weighted_sum(list(vars_), list(coefs))


def effective(vol: Volunteer, problem: Problem, name: str) -> Any:
    """A per-volunteer limit, falling back to the problem-wide rule of the same name."""
    own = getattr(vol, name)
    return own if own is not None else problem.rules.get(name)
