"""Maximum consecutive working days (volunteer's own max_consecutive_days, else the rule)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..context import effective, lsum

if TYPE_CHECKING:
    from ..context import ModelContext, PlanState


def apply(ctx: ModelContext) -> None:
    """Every window of N+1 days holds at most N working days."""
    problem = ctx.problem
    for vi in ctx.shifts_of:
        vol = problem.volunteers[vi]
        cap = effective(vol, problem, "max_consecutive_days")
        if cap is None:
            continue
        days = [ctx.day_worked(vi, d) for d in range(problem.days)]
        for first in range(problem.days - cap):
            window = days[first:first + cap + 1]
            if all(not isinstance(d, int) for d in window):
                ctx.enforce(ctx.model.add(lsum(window) <= cap), ("max_consecutive", vol.id))


def blocked(state: PlanState, vi: int, si: int) -> str | None:
    """'max_consecutive' when si's day would make a run of working days too long."""
    problem = state.problem
    cap = effective(state.vol(vi), problem, "max_consecutive_days")
    if cap is None:
        return None
    day = problem.shifts[si].day
    worked = {d for d, n in state.load(vi).day.items() if n} | {day}
    run, d = 1, day - 1
    while d in worked:
        run, d = run + 1, d - 1
    d = day + 1
    while d in worked:
        run, d = run + 1, d + 1
    return "max_consecutive" if run > cap else None
