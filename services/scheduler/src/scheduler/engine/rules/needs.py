"""Needs: at most `max` people per skill on a shift (hard), `min` as the coverage target (soft,
shortfall costs weight_under each, places above min cost weight_over each)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..context import SCALE, lsum

if TYPE_CHECKING:
    from ..context import ModelContext, PlanState


def apply(ctx: ModelContext) -> None:
    """Cap every need at its max and price shortfall and excess."""
    m = ctx.model
    for si, shift in enumerate(ctx.problem.shifts):
        for need in shift.needs:
            lits = [var for _, var in ctx.slot_vars.get((si, need.skill), [])]
            filled = lsum(lits)
            if len(lits) > need.max:
                ctx.enforce(m.add(filled <= need.max), ("need_max", shift.id, need.skill))
            if need.min:
                short = m.new_int_var(0, need.min,
                                      f"shortfall(shift={shift.id}, skill={need.skill})")
                # Bounded below only: coverage is in every objective, so the search keeps it
                # tight, and an exact max() equality slowed proving the coverage optimum
                # (county-week: not proven in 5 s instead of proven in 2.7 s). Plans price
                # coverage from the assignments (score.py), never from this variable.
                m.add(filled + short >= need.min)
                ctx.shortfall[(si, need.skill)] = short
                ctx.cost("coverage", need.weight_under * SCALE, short)
            if need.weight_over and len(lits) > need.min:
                over = m.new_int_var(0, need.max - need.min,
                                     f"excess(shift={shift.id}, skill={need.skill})")
                m.add(filled - need.min <= over)
                ctx.excess[(si, need.skill)] = over
                ctx.cost("over_cover", need.weight_over * SCALE, over)


def blocked(state: PlanState, vi: int, si: int) -> str | None:
    """Never blocks a slot that is short (it is not full)."""
    return None
