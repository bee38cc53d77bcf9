"""Party lead: an outreach shift with requires.party_lead that is staffed at all has at least
one party member among the people assigned."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..context import lsum

if TYPE_CHECKING:
    from ..context import ModelContext, PlanState


def apply(ctx: ModelContext) -> None:
    """party_members_on(shift) >= staffed(shift)."""
    problem, m = ctx.problem, ctx.model
    for si, shift in enumerate(problem.shifts):
        people = ctx.people_on.get(si, [])
        if not shift.party_lead or not people:
            continue
        leads = [ctx.works(vi, si) for vi in people if problem.volunteers[vi].party_member]
        others = [vi for vi in people if not problem.volunteers[vi].party_member]
        if not others:
            continue
        # One "a party member is there" literal keeps each person's constraint to two terms.
        led = m.new_bool_var(f"party_lead_present(shift={shift.id})")
        ctx.enforce(m.add(lsum(leads) >= led), ("party_lead", shift.id))
        for vi in others:
            ctx.enforce(m.add_implication(ctx.works(vi, si), led), ("party_lead", shift.id))


def blocked(state: PlanState, vi: int, si: int) -> str | None:
    """Adding a person never breaks this rule on its own (a lone non-member is caught upstream)."""
    return None
