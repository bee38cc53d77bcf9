"""Candidate pruning for very large problems: each place keeps its most promising eligible
volunteers instead of all of them.

Only applied above a variable threshold (district sizes, where a need may have hundreds of
eligible people). Half of each place's quota goes to the nearest volunteers, half to those
with the fewest other options (so nobody who could help somewhere is left out everywhere);
pins and previous-plan assignments are always kept. Explanations still count every eligible
person; the plan's bound is then the bound of the pruned model (solver.pruned says how many
pairs were left out).
"""

from __future__ import annotations

import numpy as np

from .index import Eligibility, VolunteerIndex
from .problem import Need, Problem

DEFAULT_PRUNE_ABOVE = 50_000
PER_PLACE = 6
AT_LEAST = 20


def place_quota(need: Need) -> int:
    """Candidates a place keeps when pruning applies."""
    return max(AT_LEAST, PER_PLACE * need.max)


def prune(problem: Problem, ix: VolunteerIndex, elig: list[Eligibility],
          above: int | None = None) -> tuple[list[Eligibility], int]:
    """Eligibility lists cut to a per-place quota when the total exceeds `above`."""
    limit = DEFAULT_PRUNE_ABOVE if above is None else above
    total = sum(len(e.eligible) for e in elig)
    if total <= limit or not elig:
        return elig, 0
    options = np.bincount(np.concatenate([e.eligible for e in elig]), minlength=ix.n)
    spos = {s.id: i for i, s in enumerate(problem.shifts)}
    must: dict[tuple[int, str], set[int]] = {}
    for a in (*problem.pins, *problem.previous):
        must.setdefault((spos[a.shift_id], a.skill), set()).add(ix.pos[a.volunteer_id])
    out, dropped = [], 0
    for e in elig:
        shift = problem.shifts[e.shift_index]
        need = next(n for n in shift.needs if n.skill == e.skill)
        quota = place_quota(need)
        if len(e.eligible) <= quota:
            out.append(e)
            continue
        dist = np.nan_to_num(ix.home_distance(shift.venue_id)[e.eligible], nan=1e6)
        near = np.argsort(dist, kind="stable")[: quota // 2]
        scarce = np.lexsort((dist, options[e.eligible]))[: quota - quota // 2]
        keep = set(e.eligible[near].tolist()) | set(e.eligible[scarce].tolist())
        keep |= must.get((e.shift_index, e.skill), set()) & set(e.eligible.tolist())
        kept = np.asarray(sorted(keep), dtype=np.int64)
        dropped += len(e.eligible) - len(kept)
        out.append(Eligibility(e.shift_index, e.skill, e.holders, kept, e.excluded))
    return out, dropped
