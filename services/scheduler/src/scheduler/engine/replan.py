"""Replanning after a change to a published plan, touching as little as possible.

The neighbourhood: every published assignment the change does not invalidate is fixed, and
only the freed places (and an added shift) get candidate variables, so they are filled by
volunteers who keep all their other shifts; the model stays small whatever the plan's size.
A high stability weight (still below the coverage weight) prices every change. If the kept
assignments themselves conflict with the change, the whole problem is replanned.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from .build import build
from .changes import apply_change, diff
from .cpsat import Options, solve_built
from .index import Eligibility, VolunteerIndex, eligibility
from .loader import build_problem
from .objective import fair_shares
from .pipeline import solve_problem
from .plan import assemble
from .problem import Problem, check_schema


def repair_plan(problem: Problem, plan: dict[str, Any], change: dict[str, Any], *,
                time_limit: float = 1.0, lang: str = "zh-CN", seed: int = 0,
                deterministic: bool = False, workers: int | None = None) -> dict[str, Any]:
    """Repaired plan and its diff against the published one."""
    started = time.perf_counter()
    data = apply_change(problem.raw, change)
    if change.get("type") == "add_shift":
        check_schema(data)  # the new shift comes from outside: check it like a new problem
    shift_ids = {s["id"] for s in data["shifts"]}
    published = [a for a in plan.get("assignments", []) if a["shift_id"] in shift_ids]
    data["previous_plan"] = {"assignments": [
        {"volunteer_id": a["volunteer_id"], "shift_id": a["shift_id"], "skill": a["skill"]}
        for a in published]}
    new = build_problem(data)
    cheapest = min((n.weight_under for s in new.shifts for n in s.needs if n.min), default=1000)
    weights = {**new.weights, "stability": max(new.weights["stability"], cheapest // 10, 1)}
    data["weights"] = weights
    new = replace(new, weights=weights, raw=data)
    ix = VolunteerIndex(new)
    elig = eligibility(new, ix)
    spos = {s.id: i for i, s in enumerate(new.shifts)}
    eligible = {(int(vi), e.shift_index, e.skill) for e in elig for vi in e.eligible.tolist()}
    affected = _affected(new, change)
    keep, open_shifts = set(), set(affected & set(spos))
    for a in published:
        key = (ix.pos[a["volunteer_id"]], spos[a["shift_id"]], a["skill"])
        if a["volunteer_id"] in affected or key not in eligible:
            open_shifts.add(a["shift_id"])  # a freed place
        else:
            keep.add(key)
    kept_on: dict[tuple[int, str], set[int]] = {}
    for vi, si, skill in keep:
        kept_on.setdefault((si, skill), set()).add(vi)
    # The neighbourhood: only freed places get candidates; elsewhere only what is kept.
    narrow = []
    for e in elig:
        if new.shifts[e.shift_index].id in open_shifts:
            narrow.append(e)
        else:
            mine = kept_on.get((e.shift_index, e.skill), set())
            narrow.append(Eligibility(e.shift_index, e.skill, e.holders,
                                      e.eligible[np.isin(e.eligible, list(mine))], e.excluded))
    # Repair runs in the caller's process with a limit of about a second: starting part
    # workers there would cost more than it gains, so a full replan solves parts in turn.
    opts = Options(time_limit=time_limit, workers=workers, seed=seed,
                   deterministic=deterministic, lang=lang, parallel=False)
    vols, shifts = new.volunteers, new.shifts
    # People staying on a freed shift are not fixed: if the one who left was its only party
    # member or second adult, the rest may have to go too (each change still costs).
    fix = {(vols[vi].id, shifts[si].id, skill) for vi, si, skill in keep
           if shifts[si].id not in open_shifts}
    built = build(new, ix=ix, elig=narrow, fix=fix)
    left = max(0.2, time_limit - (time.perf_counter() - started))
    res = solve_built(built, replace(opts, time_limit=left))
    if res.status == "INFEASIBLE" or not res.chosen and res.status not in ("OPTIMAL", "FEASIBLE"):
        # The kept neighbourhood itself conflicts (e.g. a cap tightened): replan everything.
        repaired = solve_problem(new, opts)
    else:
        repaired = assemble(
            new, ix, elig, res.chosen, status=res.status, objective=res.objective,
            bound=res.bound, terms=res.terms, fair=fair_shares(built.ctx), lang=lang,
            solver={"status": res.status, "build_seconds": round(built.build_seconds, 3),
                    "solve_seconds": round(res.solve_seconds, 3),
                    "total_seconds": round(time.perf_counter() - started, 3),
                    "workers": opts.num_workers(), "seed": seed, "mode": "neighbourhood",
                    "open_shifts": len(open_shifts), "variables": len(built.ctx.x)})
    return {"plan": repaired, "diff": diff(plan.get("assignments", []),
                                           repaired["assignments"])}


def _affected(problem: Problem, change: dict[str, Any]) -> set[str]:
    """Ids (volunteer or shift) whose published assignments must be reconsidered."""
    kind = change.get("type")
    if kind in ("withdraw", "availability"):
        return {change["volunteer_id"]}
    if kind == "add_shift":
        return {change["shift"]["id"]}
    return set()
