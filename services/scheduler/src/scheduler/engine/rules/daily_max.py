"""At most N shifts a day (volunteer's own max_shifts_per_day, else the problem's rule)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..context import effective, lsum

if TYPE_CHECKING:
    from ..context import ModelContext, PlanState


def apply(ctx: ModelContext) -> None:
    """Count a volunteer's shifts per start date."""
    problem = ctx.problem
    for vi in ctx.shifts_of:
        vol = problem.volunteers[vi]
        cap = effective(vol, problem, "max_shifts_per_day")
        if cap is None:
            continue
        for day in range(problem.days):
            sis = ctx.shifts_on_day(vi, day)
            if len(sis) > cap:
                ctx.enforce(ctx.model.add(lsum([ctx.works(vi, si) for si in sis]) <= cap),
                            ("daily_max", vol.id))


def blocked(state: PlanState, vi: int, si: int) -> str | None:
    """'daily_max' when vi already works the day's maximum."""
    problem = state.problem
    cap = effective(state.vol(vi), problem, "max_shifts_per_day")
    if cap is None:
        return None
    count = state.load(vi).day.get(problem.shifts[si].day, 0)
    return "daily_max" if count + 1 > cap else None
