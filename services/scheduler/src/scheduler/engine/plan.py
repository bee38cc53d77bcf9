"""Assemble the plan document (linli-plan/1) from chosen assignments and solver figures."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .explain import explain_slot, plan_state
from .index import Eligibility, VolunteerIndex
from .problem import Problem


def assemble(problem: Problem, ix: VolunteerIndex, elig: list[Eligibility],
             chosen: set[tuple[int, int, str]], *, status: str, objective: float | None,
             bound: float | None, terms: dict[str, float], fair: dict[int, int],
             solver: dict[str, Any], lang: str, conflicts: list | None = None) -> dict[str, Any]:
    """The plan dict for a set of (vi, si, skill) assignments."""
    shifts, vols = problem.shifts, problem.volunteers
    pinned = {(p.volunteer_id, p.shift_id, p.skill) for p in problem.pins}
    ordered = sorted(chosen, key=lambda k: (shifts[k[1]].abs_start, shifts[k[1]].id, k[2],
                                            vols[k[0]].id))
    assignments = []
    filled: dict[tuple[int, str], int] = defaultdict(int)
    for vi, si, skill in ordered:
        key = (vols[vi].id, shifts[si].id, skill)
        assignments.append({"volunteer_id": key[0], "shift_id": key[1], "skill": skill,
                            "pinned": key in pinned})
        filled[(si, skill)] += 1
    unfilled: list[dict[str, Any]] = []
    shortage: dict[tuple[Any, ...], int] = defaultdict(int)
    if status in ("OPTIMAL", "FEASIBLE"):
        state = plan_state(problem, ix, chosen)
        limited = status != "OPTIMAL"
        for e in elig:
            shift = shifts[e.shift_index]
            need = next(n for n in shift.needs if n.skill == e.skill)
            missing = need.min - filled[(e.shift_index, e.skill)]
            if missing <= 0:
                continue
            unfilled.append(explain_slot(problem, ix, e, state, missing, lang, limited))
            community = shift.community_id or problem.venue_by_id[shift.venue_id].community_id
            shortage[(e.skill, community, shift.venue_id, shift.date.isoformat())] += missing
    minutes: dict[int, int] = defaultdict(int)
    counts: dict[int, int] = defaultdict(int)
    for vi, si, _ in chosen:
        minutes[vi] += shifts[si].minutes
        counts[vi] += 1
    loads = [{"volunteer_id": v.id, "name": v.name, "shifts": counts[vi],
              "hours": round(minutes[vi] / 60, 2),
              "fair_share_hours": round(fair.get(vi, 0) / 60, 2)}
             for vi, v in enumerate(vols)]
    gap = None
    if objective is not None and bound is not None:
        gap = round(abs(objective - bound) / max(1.0, abs(objective)), 6)
    return {
        "format": "linli-plan/1",
        "status": status,
        "assignments": assignments,
        "unfilled": unfilled,
        "shortage": [{"skill": k[0], "community_id": k[1], "venue_id": k[2], "date": k[3],
                      "missing": n} for k, n in sorted(shortage.items(), key=lambda i: i[0][3])],
        "objective": {"value": objective, "bound": bound, "gap": gap,
                      "terms": {k: round(v, 4) for k, v in sorted(terms.items())}},
        "loads": loads,
        "solver": solver,
        "conflicts": conflicts or [],
    }
