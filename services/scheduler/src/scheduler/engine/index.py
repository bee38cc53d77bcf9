"""Indexes over volunteers (by skill, weekday, date, place) and the eligibility pass.

Eligibility never loops over all volunteer x shift pairs: each need starts from the
volunteers holding its skill, and every filter in `rules/` narrows that array with numpy,
caching on the few keys that shifts share (weekday and times, date, venue).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from .problem import Need, Problem, Shift
from .timeutil import haversine_km


@dataclass
class Eligibility:
    """Result of filtering the skill holders of one need of one shift."""

    shift_index: int
    skill: str
    holders: int
    eligible: np.ndarray  # volunteer indexes
    excluded: dict[str, np.ndarray] = field(default_factory=dict)  # reason code -> indexes


class VolunteerIndex:
    """Column arrays and lookup tables over the problem's volunteers."""

    def __init__(self, problem: Problem):
        self.problem = problem
        vols = problem.volunteers
        self.n = len(vols)
        self.pos = {v.id: i for i, v in enumerate(vols)}
        by_skill: dict[str, list[int]] = defaultdict(list)
        for i, v in enumerate(vols):
            for skill in v.skills:
                by_skill[skill].append(i)
        self.by_skill = {k: np.asarray(ix, dtype=np.int64) for k, ix in by_skill.items()}

        def ordinals(attr: str) -> np.ndarray:
            return np.asarray([d.toordinal() if (d := getattr(v, attr)) else 0 for v in vols],
                              dtype=np.int64)

        self.vetted_until = ordinals("vetted_until")
        self.insured_until = ordinals("insured_until")
        self.birth = ordinals("birth_date")
        self.guardian = np.asarray([v.guardian_consent for v in vols], dtype=bool)
        self.party = np.asarray([v.party_member for v in vols], dtype=bool)
        self.experienced = np.asarray([v.experienced for v in vols], dtype=bool)
        self.home_lat = np.asarray([v.home[0] if v.home else np.nan for v in vols], dtype=float)
        self.home_lon = np.asarray([v.home[1] if v.home else np.nan for v in vols], dtype=float)
        self.always_available = np.asarray([not v.availability for v in vols], dtype=bool)
        windows: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for i, v in enumerate(vols):
            for w in v.availability:
                windows[w.weekday].append((i, w.start, w.end))
        self.windows = {wd: np.asarray(rows, dtype=np.int64).reshape(-1, 3)
                        for wd, rows in windows.items()}
        self.on_leave = np.zeros((problem.days, max(self.n, 1)), dtype=bool)
        for i, v in enumerate(vols):
            for first, last in v.leave:
                a = max((first - problem.start).days, 0)
                b = min((last - problem.start).days, problem.days - 1)
                if a <= b:
                    self.on_leave[a:b + 1, i] = True
        self.quals_by_skill: dict[str, list[int]] = defaultdict(list)
        for i, v in enumerate(vols):
            for skill in {q.skill for q in v.qualifications}:
                self.quals_by_skill[skill].append(i)
        self.cache: dict[tuple, np.ndarray] = {}

    def home_distance(self, venue_id: str) -> np.ndarray:
        """Distance in km from every volunteer's home to a venue (nan when unknown)."""
        key = ("distance", venue_id)
        if key not in self.cache:
            venue = self.problem.venue_by_id[venue_id]
            lat1, lon1 = np.radians(self.home_lat), np.radians(self.home_lon)
            lat2, lon2 = np.radians(venue.lat), np.radians(venue.lon)
            a = (np.sin((lat2 - lat1) / 2) ** 2
                 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
            self.cache[key] = 2 * 6371.0088 * np.arcsin(np.minimum(1.0, np.sqrt(a)))
        return self.cache[key]

    def holders(self, skill: str) -> np.ndarray:
        """Indexes of volunteers listing a skill."""
        return self.by_skill.get(skill, np.empty(0, dtype=np.int64))


def filter_need(ix: VolunteerIndex, si: int, shift: Shift, need: Need) -> Eligibility:
    """Apply every eligibility filter to the skill holders of one need."""
    cand = ix.holders(need.skill)
    result = Eligibility(si, need.skill, len(cand), cand)
    if not len(cand):
        return result
    from .rules import ELIGIBILITY_FILTERS  # noqa: PLC0415 - rules import this module's users

    bad = np.zeros(len(cand), dtype=bool)
    for rule in ELIGIBILITY_FILTERS:
        for code, mask in rule.exclude(ix, shift, need, cand).items():
            if mask.any():
                result.excluded[code] = cand[mask]
                bad |= mask
    result.eligible = cand[~bad]
    return result


def exclusion_reasons(ix: VolunteerIndex, shift: Shift, need: Need, vi: int) -> list[str]:
    """Reason codes excluding one volunteer from one need (empty when eligible)."""
    if need.skill not in ix.problem.volunteers[vi].skills:
        return ["no_skill"]
    from .rules import ELIGIBILITY_FILTERS  # noqa: PLC0415

    cand = np.asarray([vi], dtype=np.int64)
    return [code for rule in ELIGIBILITY_FILTERS
            for code, mask in rule.exclude(ix, shift, need, cand).items() if mask.any()]


def eligibility(problem: Problem, ix: VolunteerIndex | None = None) -> list[Eligibility]:
    """Eligibility of every need of every shift."""
    ix = ix or VolunteerIndex(problem)
    return [filter_need(ix, si, s, n) for si, s in enumerate(problem.shifts) for n in s.needs]


def venue_distance_km(problem: Problem, a: str, b: str) -> float:
    """Great-circle distance between two venues."""
    va, vb = problem.venue_by_id[a], problem.venue_by_id[b]
    return haversine_km(va.lat, va.lon, vb.lat, vb.lon)
