"""How many assignment variables a problem's model will hold, and the cap on it.

The count follows the build: one variable per eligible volunteer/need pair left after
candidate pruning, plus one per pin of an ineligible pair. It is exact once eligibility is
known; before that (in the caller's process, before a solve child starts) a cheap upper
bound from skill counts and the pruning quota decides whether the exact count is needed.
No OR-Tools here, so the caller's process need not import it.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .errors import ProblemTooLarge
from .index import Eligibility, VolunteerIndex, eligibility
from .problem import Problem
from .prune import DEFAULT_PRUNE_ABOVE, place_quota, prune

DEFAULT_MAX_VARIABLES = 600_000  # assignment variables after pruning (district-month: 104k)


def upper_estimate(problem: Problem, prune_above: int | None = None) -> int:
    """At least as many variables as the build will create, from skill counts alone.

    Unpruned, a need has at most its skill holders; pruning (which applies only above
    `prune_above` eligible pairs in all) leaves each place at most its quota.
    """
    holders = Counter(skill for v in problem.volunteers for skill in v.skills)
    limit = DEFAULT_PRUNE_ABOVE if prune_above is None else prune_above
    total = capped = 0
    for shift in problem.shifts:
        for need in shift.needs:
            total += holders[need.skill]
            capped += min(holders[need.skill], place_quota(need))
    return max(capped, min(total, limit)) + len(problem.pins)


def count_variables(problem: Problem, elig: list[Eligibility]) -> int:
    """Variables the build creates for these eligibility lists (pinned ineligible pairs too)."""
    count = sum(len(e.eligible) for e in elig)
    if problem.pins:
        by_place = {(e.shift_index, e.skill): e.eligible for e in elig}
        spos = {s.id: i for i, s in enumerate(problem.shifts)}
        vpos = {v.id: i for i, v in enumerate(problem.volunteers)}
        for pin in problem.pins:
            ok = by_place.get((spos[pin.shift_id], pin.skill))
            if ok is None or not np.any(ok == vpos[pin.volunteer_id]):
                count += 1
    return count


def check_size(problem: Problem, elig: list[Eligibility] | None = None,
               max_variables: int | None = None, prune_above: int | None = None) -> int:
    """The variable count (exact when it matters); ProblemTooLarge above the cap.

    Without `elig`, the cheap upper bound is tried first and eligibility (with pruning) is
    only worked out when that bound is above the cap.
    """
    cap = DEFAULT_MAX_VARIABLES if max_variables is None else max_variables
    if elig is None:
        estimate = upper_estimate(problem, prune_above)
        if estimate <= cap:
            return estimate
        ix = VolunteerIndex(problem)
        elig, _ = prune(problem, ix, eligibility(problem, ix), prune_above)
    estimate = count_variables(problem, elig)
    if estimate > cap:
        raise ProblemTooLarge(
            "", f"problem too large: {estimate} assignment variables, cap is {cap} "
            "(split the horizon or the area, or raise the cap)")
    return estimate
