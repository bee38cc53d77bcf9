"""Availability and leave: the shift must lie inside one of the volunteer's weekly windows
(no windows means always available) and not on a leave day."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..timeutil import MINUTES_PER_DAY

if TYPE_CHECKING:
    from ..index import VolunteerIndex
    from ..problem import Need, Shift

CODES = ("unavailable", "on_leave")


def covered_end(shift: Shift) -> int:
    """End of the shift on its own day; an overnight shift needs a window up to 24:00."""
    return shift.end if shift.end > shift.start else MINUTES_PER_DAY


def exclude(ix: VolunteerIndex, shift: Shift, need: Need, cand: np.ndarray) -> dict:
    """Skill holders who have no window covering the shift, or are on leave that day."""
    weekday = shift.date.weekday()
    key = ("available", weekday, shift.start, covered_end(shift))
    if key not in ix.cache:
        ok = ix.always_available.copy()
        rows = ix.windows.get(weekday)
        if rows is not None and len(rows):
            inside = (rows[:, 1] <= shift.start) & (rows[:, 2] >= covered_end(shift))
            ok[rows[inside, 0]] = True
        ix.cache[key] = ok
    return {"unavailable": ~ix.cache[key][cand], "on_leave": ix.on_leave[shift.day, cand]}
