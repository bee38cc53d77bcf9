"""Minimum and maximum total hours over the horizon.

The minimum (e.g. a party member's service quota) is hard: when no plan can give someone
their minimum, the model is infeasible and the conflict report names that volunteer's
minimum together with whatever blocks it (pins, caps, few eligible shifts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..context import wsum

if TYPE_CHECKING:
    from ..context import ModelContext, PlanState


def apply(ctx: ModelContext) -> None:
    """Bound each volunteer's total assigned minutes."""
    shifts = ctx.problem.shifts
    for vi, vol in enumerate(ctx.problem.volunteers):
        sis = ctx.shifts_of.get(vi, [])
        total = wsum([(shifts[si].minutes, ctx.works(vi, si)) for si in sis])
        if vol.max_hours_total is not None:
            limit = int(round(vol.max_hours_total * 60))
            if sum(shifts[si].minutes for si in sis) > limit:
                ctx.enforce(ctx.model.add(total <= limit), ("max_total", vol.id))
        if vol.min_hours_total:
            floor = int(round(vol.min_hours_total * 60))
            if sis:
                ct = ctx.model.add(total >= floor)
            else:  # nothing this volunteer may work: the minimum cannot hold
                ct = ctx.model.add_bool_or([])
            ctx.enforce(ct, ("min_total", vol.id))


def blocked(state: PlanState, vi: int, si: int) -> str | None:
    """'max_total' when si would take vi over their total maximum."""
    vol = state.vol(vi)
    if vol.max_hours_total is None:
        return None
    used = state.load(vi).total
    limit = round(vol.max_hours_total * 60)
    return "max_total" if used + state.problem.shifts[si].minutes > limit else None
