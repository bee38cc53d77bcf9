"""The objective's terms priced from a plan's assignments alone.

Plans report these numbers rather than the values of the model's helper variables: a helper
bounded on one side only (a shortfall, a deviation) may sit above its true value in a
solution the search has not finished improving, and the report must never be inflated by
that. The prices match the model's coefficients exactly (in 1/SCALE units), so for a fully
propagated solution the sum equals CP-SAT's objective value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from .context import SCALE
from .index import VolunteerIndex
from .problem import Problem, Volunteer


def score(problem: Problem, ix: VolunteerIndex, chosen: Iterable[tuple[int, int, str]], *,
          shares: dict[int, int], pairs: set[tuple[int, int]] | None = None,
          ) -> dict[str, float]:
    """Every weighted term of the plan `chosen` ((vi, si, skill) triples), in weight units.

    `shares` are the fair shares in minutes (objective.fair_shares) of the volunteers
    fairness is counted for; `pairs` the (vi, si) pairs that had a variable, which decides
    whether a partner "could have come" (None: every pair counts).
    """
    w = problem.weights
    shifts, vols = problem.shifts, problem.volunteers
    chosen = list(chosen)
    filled: dict[tuple[int, str], int] = defaultdict(int)
    on: dict[int, list[int]] = defaultdict(list)
    minutes: dict[int, int] = defaultdict(int)
    for vi, si, skill in chosen:
        filled[(si, skill)] += 1
        if vi not in on[si]:
            on[si].append(vi)
            minutes[vi] += shifts[si].minutes
    works = {(vi, si) for si, people in on.items() for vi in people}
    terms: dict[str, int] = defaultdict(int)
    for si, shift in enumerate(shifts):
        for need in shift.needs:
            got = filled[(si, need.skill)]
            terms["coverage"] += need.weight_under * SCALE * max(0, need.min - got)
            if need.weight_over:
                terms["over_cover"] += need.weight_over * SCALE * max(0, got - need.min)
    if w.get("fairness"):
        coef = w["fairness"] * SCALE // 60
        terms["fairness"] += sum(coef * abs(minutes[vi] - share) for vi, share in shares.items())
    if w.get("preference"):
        _preferences(problem, ix, works, pairs, w["preference"] * SCALE, terms)
    if w.get("requests"):
        _requests(problem, works, w["requests"] * SCALE, terms)
    if w.get("continuity"):
        groups: dict[int, set[str]] = defaultdict(set)
        for vi, si in works:
            if group := shifts[si].group_id:
                groups[vi].add(group)
        terms["continuity"] += w["continuity"] * SCALE * sum(
            len(g) - 1 for g in groups.values() if g)
    if w.get("proximity"):
        for vi, si in works:
            terms["proximity"] += proximity_price(
                w["proximity"] * SCALE, ix.home_distance(shifts[si].venue_id)[vi])
    if w.get("mentoring"):
        alone = sum(1 for people in on.values() if newcomer_alone(vols, people))
        terms["mentoring"] += w["mentoring"] * SCALE * alone
    if w.get("stability") and problem.previous:
        spos = {s.id: i for i, s in enumerate(shifts)}
        before = {(ix.pos[p.volunteer_id], spos[p.shift_id], p.skill) for p in problem.previous}
        terms["stability"] += w["stability"] * SCALE * len(before ^ set(chosen))
    return {name: value / SCALE for name, value in terms.items()}


def proximity_price(coef: int, dist: float) -> int:
    """The proximity cost of one assignment `dist` km from home (0 when unknown)."""
    if dist == dist and dist > 0:  # not nan
        return int(round(coef * float(dist)))
    return 0


def newcomer_alone(vols: Sequence[Volunteer], people: Iterable[int]) -> bool:
    """Whether the people on a shift include a newcomer and no experienced volunteer."""
    seen = [vols[vi].experienced for vi in people]
    return not all(seen) and not any(seen)


def _preferences(problem: Problem, ix: VolunteerIndex, works: set[tuple[int, int]],
                 pairs: set[tuple[int, int]] | None, coef: int, terms: dict) -> None:
    shifts, vols = problem.shifts, problem.volunteers
    for vi, si in works:
        vol, venue = vols[vi], shifts[si].venue_id
        if vol.dislikes(venue):
            terms["preference"] += coef
        for partner in vol.partners:
            pi = ix.pos[partner]
            could = pairs is None or (pi, si) in pairs
            if could and (pi, si) not in works:
                terms["preference"] += coef


def _requests(problem: Problem, works: set[tuple[int, int]], coef: int, terms: dict) -> None:
    shifts = problem.shifts
    by_day: dict[tuple[int, int], list[int]] = defaultdict(list)
    for vi, si in works:
        by_day[(vi, shifts[si].day)].append(si)
    for vi, vol in enumerate(problem.volunteers):
        for req in vol.shift_requests:
            day = (req.date - problem.start).days
            if not 0 <= day < problem.days:
                continue
            hits = sum(1 for si in by_day.get((vi, day), [])
                       if req.kind is None or shifts[si].kind == req.kind)
            if req.want:
                terms["requests"] += 0 if hits else req.weight * coef
            else:
                terms["requests"] += hits * req.weight * coef
