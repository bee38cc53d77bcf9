"""Forbidden successions: a shift of `first_kind` on day d and one of `then_kind` on d+1."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..context import ModelContext, PlanState


def _banned(ctx_problem) -> set[tuple[str, str]]:
    return {(r["first_kind"], r["then_kind"])
            for r in ctx_problem.rules.get("forbidden_successions") or []}


def apply(ctx: ModelContext) -> None:
    """Forbid each banned (kind on d, kind on d+1) pair of a volunteer's shifts."""
    problem = ctx.problem
    banned = _banned(problem)
    if not banned:
        return
    shifts = problem.shifts
    for vi in ctx.shifts_of:
        vid = problem.volunteers[vi].id
        for day in range(problem.days - 1):
            for a in ctx.shifts_on_day(vi, day):
                for b in ctx.shifts_on_day(vi, day + 1):
                    if (shifts[a].kind, shifts[b].kind) in banned:
                        ctx.enforce(ctx.model.add_at_most_one([ctx.works(vi, a), ctx.works(vi, b)]),
                                    ("succession", vid))


def blocked(state: PlanState, vi: int, si: int) -> str | None:
    """'succession' when si would follow or precede a banned kind on the next/previous day."""
    banned = _banned(state.problem)
    shifts = state.problem.shifts
    s = shifts[si]
    for o in state.shifts_of.get(vi, []):
        other = shifts[o]
        if other.day == s.day - 1 and (other.kind, s.kind) in banned:
            return "succession"
        if other.day == s.day + 1 and (s.kind, other.kind) in banned:
            return "succession"
    return None
