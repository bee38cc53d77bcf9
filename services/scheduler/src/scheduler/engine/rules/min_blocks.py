"""Minimum blocks of consecutive days on (min_consecutive_days) and off
(min_consecutive_days_off).

A block is a maximal run of working (or free) days inside the horizon. With
rules.min_block_boundary "exempt", a block touching the horizon's first or last day is never
too short (it may continue outside the horizon); with "strict" it is judged like any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..context import effective, lsum

if TYPE_CHECKING:
    from ..context import ModelContext, PlanState


def _negate(lit):
    return 1 - lit if isinstance(lit, int) else ~lit


def _clause(ctx: ModelContext, lits: list, key: tuple) -> None:
    """Add OR(lits), dropping constant-false literals and skipping constant-true clauses."""
    kept = []
    for lit in lits:
        if isinstance(lit, int):
            if lit:
                return
            continue
        kept.append(lit)
    ctx.enforce(ctx.model.add_bool_or(kept), key)


def forbid_short(ctx: ModelContext, days: list, shortest: int, on: bool, key: tuple) -> None:
    """Forbid blocks of `on` days shorter than `shortest`."""
    horizon = len(days)
    exempt = ctx.problem.rules.get("min_block_boundary", "exempt") == "exempt"
    state = days if on else [_negate(d) for d in days]
    for length in range(1, shortest):
        for first in range(horizon - length + 1):
            last = first + length - 1
            if exempt and (first == 0 or last == horizon - 1):
                continue
            # Not (left neighbour off, block on, right neighbour off).
            lits = [_negate(state[d]) for d in range(first, last + 1)]
            if first > 0:
                lits.append(state[first - 1])
            if last < horizon - 1:
                lits.append(state[last + 1])
            _clause(ctx, lits, key)


def apply(ctx: ModelContext) -> None:
    """Forbid too-short work and rest blocks for volunteers who set these limits."""
    problem = ctx.problem
    for vi in ctx.shifts_of:
        vol = problem.volunteers[vi]
        on, off = vol.min_consecutive_days, vol.min_consecutive_days_off
        if (on or 0) <= 1 and (off or 0) <= 1:
            continue
        days = [ctx.day_worked(vi, d) for d in range(problem.days)]
        if on and on > 1:
            forbid_short(ctx, days, on, True, ("min_work_block", vol.id))
        if off and off > 1:
            forbid_short(ctx, days, off, False, ("min_off_block", vol.id))
            cap = effective(vol, problem, "max_consecutive_days")
            if cap and not ctx.with_assumptions:
                window_cuts(ctx, days, cap, off)


def most_days_on(length: int, cap: int, off: int) -> int:
    """The most working days a run of `length` days can hold when work comes in runs of at
    most `cap` days separated by rests of at least `off` days (a rest touching either end of
    the run may be shorter: it continues outside)."""
    period = cap + off
    return (length // period) * cap + min(cap, length % period)


def window_cuts(ctx: ModelContext, days: list, cap: int, off: int) -> None:
    """Implied by the maximum run and the minimum rest together, so no plan is cut off:
    every window of days holds at most most_days_on(window) working days. The two rules
    alone let the LP work 5/6 of every day with runs of at most 5 (5.8 days a week); with
    a rest of 2 the true weekly maximum is 5. Windows up to two rest periods long: longer
    ones follow from the sums of shorter ones."""
    horizon = len(days)
    for length in range(cap + 2, min(horizon, 2 * (cap + off)) + 1):
        most = most_days_on(length, cap, off)
        if most * (cap + 1) >= length * cap:
            continue  # the max-run windows already say as much to the LP
        for first in range(horizon - length + 1):
            window = [d for d in days[first:first + length] if not isinstance(d, int)]
            if len(window) > most:
                ctx.model.add(lsum(window) <= most)


def blocked(state: PlanState, vi: int, si: int) -> str | None:
    """Not judged for a single added shift (its effect depends on the whole pattern)."""
    return None
