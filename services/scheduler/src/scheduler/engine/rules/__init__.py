"""Hard rules, one module each.

Eligibility filters (`exclude(ix, shift, need, cand)`) remove volunteer/need pairs before any
variable exists and say why. Constraint rules (`apply(ctx)`) add constraints to the model and
answer `blocked(state, vi, si)`: would adding volunteer `vi` to shift `si` break the rule in a
solved plan (used to explain unfilled slots and to rank candidates).
"""

from __future__ import annotations

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

ELIGIBILITY_FILTERS = (skill, availability, minors, vetting, insurance, radius)
CONSTRAINT_RULES = (
    needs, overlap, rest, hour_caps, daily_max, consecutive, total_hours, weekends,
    kind_counts, min_blocks, successions, adults, party_lead, pins,
)
