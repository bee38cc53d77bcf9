"""Hard rules, one module each.

Eligibility filters (`exclude(ix, shift, need, cand)`) remove volunteer/need pairs before any
variable exists and say why. Constraint rules (`apply(ctx)`) add constraints to the model and
answer `blocked(state, vi, si)`: would adding volunteer `vi` to shift `si` break the rule in a
solved plan (used to explain unfilled slots and to rank candidates).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import (
    adults,
    availability,
    consecutive,
    daily_max,
    hour_caps,
    insurance,
    kind_counts,
    min_blocks,
    minors,
    needs,
    overlap,
    party_lead,
    pins,
    radius,
    rest,
    skill,
    successions,
    total_hours,
    vetting,
    weekends,
)

if TYPE_CHECKING:
    from ..problem import Problem, Shift


def staffing_holds(problem: Problem, shift: Shift, people: list[int]) -> bool:
    """Whether the people on a shift include the adults it needs and, when it asks for one,
    a party member (the shift-level rules a single assignment's `blocked` cannot judge)."""
    vols = problem.volunteers
    if shift.party_lead and not any(vols[vi].party_member for vi in people):
        return False
    grown = sum(1 for vi in people if adults.is_adult(vols[vi], shift))
    return grown >= adults.required(problem, shift)


ELIGIBILITY_FILTERS = (skill, availability, minors, vetting, insurance, radius)
CONSTRAINT_RULES = (
    needs, overlap, rest, hour_caps, daily_max, consecutive, total_hours, weekends,
    kind_counts, min_blocks, successions, adults, party_lead, pins,
)
