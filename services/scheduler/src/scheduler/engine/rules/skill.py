"""Skill and qualification: a skill with a qualification record needs one verified and valid
on the shift's date (holding the skill at all is the index lookup itself)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..index import VolunteerIndex
    from ..problem import Need, Shift

CODES = ("no_qualification",)


def exclude(ix: VolunteerIndex, shift: Shift, need: Need, cand: np.ndarray) -> dict:
    """Skill holders whose qualification for the need's skill is missing or not valid that day."""
    checked = ix.quals_by_skill.get(need.skill)
    if not checked:
        return {}
    key = ("qualification", need.skill, shift.date)
    if key not in ix.cache:
        bad = np.zeros(ix.n, dtype=bool)
        for vi in checked:
            quals = [q for q in ix.problem.volunteers[vi].qualifications if q.skill == need.skill]
            bad[vi] = not any(
                q.verified
                and (q.valid_from is None or q.valid_from <= shift.date)
                and (q.valid_until is None or shift.date <= q.valid_until)
                for q in quals
            )
        ix.cache[key] = bad
    return {"no_qualification": ix.cache[key][cand]}
