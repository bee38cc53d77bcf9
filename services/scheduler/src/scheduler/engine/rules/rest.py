"""Minimum rest: at least rules.min_rest_minutes between the end of one shift of a volunteer
and the start of the next."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .overlap import clash, pairs

if TYPE_CHECKING:
    from ..context import ModelContext, PlanState


def apply(ctx: ModelContext) -> None:
    """Forbid pairs closer than the minimum rest (pairs that already clash are left to overlap)."""
    rest = ctx.problem.rules.get("min_rest_minutes") or 0
    if rest <= 0:
        return
    for vi in ctx.shifts_of:
        vid = ctx.problem.volunteers[vi].id
        for a, b, sa, sb in pairs(ctx, vi, rest, False):
            if clash(sa, sb, rest) and not clash(sa, sb, ctx.travel(sa.venue_id, sb.venue_id)):
                ctx.enforce(ctx.model.add_at_most_one([ctx.works(vi, a), ctx.works(vi, b)]),
                            ("rest", vid))


def blocked(state: PlanState, vi: int, si: int) -> str | None:
    """'no_rest' when si would come too close to another shift of vi."""
    rest = state.problem.rules.get("min_rest_minutes") or 0
    if rest <= 0:
        return None
    shifts = state.problem.shifts
    s = shifts[si]
    for other in state.shifts_of.get(vi, []):
        o = shifts[other]
        first, then = (o, s) if (o.abs_start, o.abs_end) <= (s.abs_start, s.abs_end) else (s, o)
        if clash(first, then, rest):
            return "no_rest"
    return None
