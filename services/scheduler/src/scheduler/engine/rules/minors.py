"""Age bounds per shift (default adults only) and minors: guardian consent and daytime only.

A volunteer without a birth date counts as an adult of unknown age: allowed when the shift's
minimum age is at most 18 and it sets no maximum age.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..problem import ADULT_AGE
from ..timeutil import parse_hhmm

if TYPE_CHECKING:
    from ..index import VolunteerIndex
    from ..problem import Need, Shift

CODES = ("age", "minor_not_daytime", "minor_no_consent")


def _birth_limit(day, years: int) -> int:
    """Ordinal of the latest birth date that makes someone `years` old on `day`."""
    try:
        return day.replace(year=day.year - years).toordinal()
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28).toordinal()


def exclude(ix: VolunteerIndex, shift: Shift, need: Need, cand: np.ndarray) -> dict:
    """Skill holders outside the shift's age bounds, and minors without consent or at night."""
    birth = ix.birth[cand]
    known = birth > 0
    adult_limit = _birth_limit(shift.date, ADULT_AGE)
    minor = known & (birth > adult_limit)
    too_young = known & (birth > _birth_limit(shift.date, shift.min_age))
    bad_age = too_young | (~known & (shift.min_age > ADULT_AGE))
    if shift.max_age is not None:
        # Older than max_age means born on or before the day they turned max_age + 1.
        bad_age |= (known & (birth <= _birth_limit(shift.date, shift.max_age + 1))) | ~known
    day_start, day_end = (parse_hhmm(t) for t in ix.problem.rules["minor_daytime"])
    daytime = shift.end > shift.start and shift.start >= day_start and shift.end <= day_end
    return {
        "age": bad_age,
        "minor_not_daytime": minor & (not daytime),
        "minor_no_consent": minor & ~ix.guardian[cand],
    }
