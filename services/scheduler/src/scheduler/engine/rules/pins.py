"""Pinned assignments: a coordinator's pin must hold (the variable exists even when the pair
is not eligible; the eligibility group then names the reason in a conflict report)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..context import ModelContext, PlanState


def apply(ctx: ModelContext) -> None:
    """Fix every pinned assignment to 1."""
    problem = ctx.problem
    vpos = ctx.ix.pos
    spos = {s.id: i for i, s in enumerate(problem.shifts)}
    for pin in problem.pins:
        var = ctx.x[(vpos[pin.volunteer_id], spos[pin.shift_id], pin.skill)]
        ctx.enforce(ctx.model.add(var == 1), ("pin", pin.volunteer_id, pin.shift_id, pin.skill))


def blocked(state: PlanState, vi: int, si: int) -> str | None:
    """Pins never block another assignment by themselves."""
    return None
