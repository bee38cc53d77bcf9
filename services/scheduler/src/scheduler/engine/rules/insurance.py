"""Insurance: risky activities (requires.insurance) need cover valid on the shift's date."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..index import VolunteerIndex
    from ..problem import Need, Shift

CODES = ("not_insured",)


def exclude(ix: VolunteerIndex, shift: Shift, need: Need, cand: np.ndarray) -> dict:
    """Skill holders without insurance on the shift's date."""
    if not shift.insurance:
        return {}
    return {"not_insured": ix.insured_until[cand] < shift.date.toordinal()}
