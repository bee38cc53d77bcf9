"""Vetting: shifts with children present, or requiring it, need a background check valid on
the shift's date."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..index import VolunteerIndex
    from ..problem import Need, Shift

CODES = ("not_vetted",)


def required(shift: Shift) -> bool:
    """Whether the shift needs vetted volunteers."""
    return shift.vetting or shift.children_present


def exclude(ix: VolunteerIndex, shift: Shift, need: Need, cand: np.ndarray) -> dict:
    """Skill holders whose vetting is missing or expired on the shift's date."""
    if not required(shift):
        return {}
    return {"not_vetted": ix.vetted_until[cand] < shift.date.toordinal()}
