"""No two shifts at once: a volunteer's next shift may start only after the previous one ends
plus the travel time between the two venues (haversine distance at rules.travel_speed_kmh,
plus rules.travel_buffer_minutes when the venues differ)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..timeutil import haversine_km, travel_minutes

if TYPE_CHECKING:
    from ..context import ModelContext, PlanState
    from ..problem import Problem, Shift


def max_travel(problem: Problem) -> int:
    """Upper bound of any venue-to-venue travel time (bounding-box diagonal)."""
    if not problem.venues:
        return 0
    lats = [v.lat for v in problem.venues]
    lons = [v.lon for v in problem.venues]
    diag = haversine_km(min(lats), min(lons), max(lats), max(lons))
    rules = problem.rules
    return travel_minutes(diag, rules["travel_speed_kmh"], rules["travel_buffer_minutes"]) + 1


def clash(first: Shift, then: Shift, travel: int) -> bool:
    """Whether `then` (starting no earlier than `first`) begins before `first` ends + travel."""
    return then.abs_start < first.abs_end + travel


def pairs(ctx: ModelContext, vi: int, gap: int, travel: bool):
    """Yield shift pairs of vi, in start order, closer than `gap` (+ travel when asked)."""
    shifts = ctx.problem.shifts
    order = ctx.shifts_of.get(vi, [])
    for i, a in enumerate(order):
        sa = shifts[a]
        for b in order[i + 1:]:
            sb = shifts[b]
            if sb.abs_start >= sa.abs_end + gap:
                break
            yield a, b, sa, sb


def overlap_cliques(shifts: Sequence[Shift], order: list[int]) -> list[list[int]]:
    """Maximal sets of shifts (indexes from `order`, sorted by start) sharing a moment."""
    cliques: list[list[int]] = []
    active: list[int] = []
    grew = False
    for si in order:
        start = shifts[si].abs_start
        ended = [a for a in active if shifts[a].abs_end <= start]
        if ended and grew and len(active) > 1:
            cliques.append(list(active))
        if ended:
            active = [a for a in active if shifts[a].abs_end > start]
        active.append(si)
        grew = True
    if len(active) > 1:
        cliques.append(list(active))
    return cliques


def apply(ctx: ModelContext) -> None:
    """Forbid every pair of a volunteer's shifts that overlap or leave too little travel time.

    Shifts sharing a moment form a clique (one at-most-one constraint); pairs that do not
    overlap but leave too little travel time get a pairwise at-most-one.
    """
    limit = max_travel(ctx.problem)
    shifts = ctx.problem.shifts
    for vi, order in ctx.shifts_of.items():
        if len(order) < 2:
            continue
        vid = ctx.problem.volunteers[vi].id
        for clique in overlap_cliques(shifts, order):
            ctx.enforce(ctx.model.add_at_most_one([ctx.works(vi, si) for si in clique]),
                        ("overlap", vid))
        for a, b, sa, sb in pairs(ctx, vi, limit, True):
            if sb.abs_start >= sa.abs_end and clash(sa, sb,
                                                    ctx.travel(sa.venue_id, sb.venue_id)):
                ctx.enforce(ctx.model.add_at_most_one([ctx.works(vi, a), ctx.works(vi, b)]),
                            ("overlap", vid))


def blocked(state: PlanState, vi: int, si: int) -> str | None:
    """'busy' when vi already works a shift that clashes with si."""
    shifts = state.problem.shifts
    s = shifts[si]
    for other in state.shifts_of.get(vi, []):
        o = shifts[other]
        first, then = (o, s) if (o.abs_start, o.abs_end) <= (s.abs_start, s.abs_end) else (s, o)
        if clash(first, then, state.travel(o.venue_id, s.venue_id)):
            return "busy"
    return None
