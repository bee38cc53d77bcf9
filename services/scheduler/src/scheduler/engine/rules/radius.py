"""Radius: with requires.radius_km, the venue must be that close to the volunteer's home.

A volunteer who gave no home location is not excluded (nothing to measure).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..index import VolunteerIndex
    from ..problem import Need, Shift

CODES = ("too_far",)


def exclude(ix: VolunteerIndex, shift: Shift, need: Need, cand: np.ndarray) -> dict:
    """Skill holders living farther than the shift's radius from its venue."""
    if shift.radius_km is None:
        return {}
    dist = ix.home_distance(shift.venue_id)[cand]
    with np.errstate(invalid="ignore"):
        return {"too_far": dist > shift.radius_km + 1e-9}
