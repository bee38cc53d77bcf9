"""At least N adults where children are present: a shift with children_present that is staffed
at all has at least min(rules.min_adults_with_children, total places) adults on it.

An unstaffed shift breaks no rule; it simply shows up as unfilled with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..context import lsum
from ..problem import ADULT_AGE
from ..timeutil import age_on

if TYPE_CHECKING:
    from ..context import ModelContext, PlanState
    from ..problem import Shift, Volunteer


def is_adult(vol: Volunteer, shift: Shift) -> bool:
    """Adult on the shift's date (unknown birth date counts as adult)."""
    return vol.birth_date is None or age_on(vol.birth_date, shift.date) >= ADULT_AGE


def required(ctx_problem, shift: Shift) -> int:
    """Adults a staffed shift needs."""
    if not shift.children_present:
        return 0
    return min(ctx_problem.rules.get("min_adults_with_children") or 0,
               sum(n.max for n in shift.needs))


def apply(ctx: ModelContext) -> None:
    """adults_on(shift) >= N * staffed(shift)."""
    problem, m = ctx.problem, ctx.model
    for si, shift in enumerate(problem.shifts):
        need = required(problem, shift)
        people = ctx.people_on.get(si, [])
        if need <= 0 or not people:
            continue
        staffed = m.new_bool_var(f"staffed(shift={shift.id})")
        for vi in people:
            m.add_implication(ctx.works(vi, si), staffed)
        adults = [ctx.works(vi, si) for vi in people if is_adult(problem.volunteers[vi], shift)]
        ctx.enforce(m.add(lsum(adults) >= need * staffed), ("adults", shift.id))


def blocked(state: PlanState, vi: int, si: int) -> str | None:
    """Adding a person never breaks this rule on its own."""
    return None
