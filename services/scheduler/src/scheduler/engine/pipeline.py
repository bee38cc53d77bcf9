"""The in-process solve: index -> eligibility -> split into parts -> build and solve each ->
merge -> explain; or, when infeasible, the smallest conflicting set."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .build import build, check_size
from .components import remap, split, subproblem
from .conflicts import conflict_report, minimal_conflict
from .cpsat import Options, Progress, RawResult, solve_built, strategy_of
from .index import VolunteerIndex, eligibility
from .objective import fair_shares
from .plan import assemble
from .problem import Problem
from .prune import prune

STATUS_ORDER = ("INFEASIBLE", "MODEL_INVALID", "UNKNOWN", "FEASIBLE", "OPTIMAL")


def solve_problem(problem: Problem, opts: Options, *, progress: Progress | None = None,
                  stop: Any = None, fix: set[tuple[str, str, str]] | None = None,
                  ) -> dict[str, Any]:
    """Solve a loaded problem in this process and return the plan dict."""
    started = time.perf_counter()
    # Keep a tenth of the limit for merging and explaining, so the answer is in on time.
    deadline = started + opts.time_limit - min(max(0.1 * opts.time_limit, 0.05), 15.0)
    ix = VolunteerIndex(problem)
    estimate = check_size(problem, ix, opts.max_variables)
    elig = eligibility(problem, ix)
    considered, pruned = prune(problem, ix, elig, opts.prune_above)
    parts = split(problem, considered, ix.pos)
    chosen: set[tuple[int, int, str]] = set()
    terms: dict[str, float] = {}
    fair: dict[int, int] = {}
    objective = bound = 0.0
    statuses, stopped = [], None
    cover_statuses: list[str] = []
    skipped = False
    strategy = "weighted"
    build_seconds = solve_seconds = 0.0
    remaining_vars = sum(p.variables for p in parts) or 1
    variables = 0
    for part in parts:
        whole = len(part.vols) == len(problem.volunteers) and len(part.shifts) == len(
            problem.shifts)
        sub = problem if whole else subproblem(problem, part)
        sub_elig = considered if whole else remap(considered, problem, sub, part)
        sub_fix = None
        if fix:
            sub_fix = {f for f in fix if f[1] in sub.shift_by_id and f[0] in sub.volunteer_by_id}
        built = build(sub, elig=sub_elig, fix=sub_fix, hint=opts.hint,
                      max_variables=opts.max_variables)
        build_seconds += built.build_seconds
        variables += len(built.ctx.x)
        left = max(0.05, deadline - time.perf_counter())
        share = part.variables / remaining_vars if remaining_vars else 1.0
        remaining_vars -= part.variables
        budget = left if remaining_vars <= 0 else max(0.05, left * share)
        part_opts = Options(**{**opts.__dict__, "time_limit": budget})
        res: RawResult = solve_built(built, part_opts, progress=progress, stop=stop)
        strategy = strategy_of(built)
        cover_statuses.append(res.coverage_status or res.status)
        solve_seconds += res.solve_seconds
        statuses.append(res.status)
        stopped = stopped or res.stopped
        if res.status == "INFEASIBLE":
            core = minimal_conflict(sub, built.ctx.ix, sub_elig, Options(
                **{**opts.__dict__, "time_limit": max(1.0, opts.time_limit / 2)}))
            return assemble(
                problem, ix, elig, set(), status="INFEASIBLE", objective=None, bound=None,
                terms={}, fair={}, lang=opts.lang,
                solver=_solver_info(opts, "INFEASIBLE", build_seconds, solve_seconds,
                                    started, len(parts), variables, estimate, stopped, pruned),
                conflicts=[conflict_report(sub, core, opts.lang)] if core else [])
        if res.objective is None:
            continue
        vmap = np.asarray(part.vols) if not whole else None
        smap = part.shifts if not whole else None
        for vi, si, skill in res.chosen:
            chosen.add((int(vmap[vi]) if vmap is not None else vi,
                        smap[si] if smap is not None else si, skill))
        for k, v in fair_shares(built.ctx).items():
            fair[int(vmap[k]) if vmap is not None else k] = v
        objective += res.objective
        bound += res.bound or 0.0
        for name, value in res.terms.items():
            terms[name] = terms.get(name, 0.0) + value
        if stopped:
            skipped = part is not parts[-1]
            break
    # Shifts no part covers (nobody eligible) still cost their shortfall.
    covered = {si for p in parts for si in p.shifts}
    lost = sum(n.weight_under * n.min for si, s in enumerate(problem.shifts)
               if si not in covered for n in s.needs)
    if lost:
        terms["coverage"] = terms.get("coverage", 0.0) + lost
        objective += lost
        bound += lost
    status = min(statuses, key=STATUS_ORDER.index) if statuses else "OPTIMAL"
    if skipped and status == "OPTIMAL":
        status = "FEASIBLE"  # stopped before every part was solved
    if status in ("UNKNOWN", "MODEL_INVALID"):
        obj_value = bound_value = None
    else:
        obj_value, bound_value = round(objective, 6), round(bound, 6)
    return assemble(problem, ix, elig, chosen, status=status, objective=obj_value,
                    bound=bound_value, terms=terms, fair=fair, lang=opts.lang,
                    solver={**_solver_info(opts, status, build_seconds, solve_seconds, started,
                                           len(parts), variables, estimate, stopped, pruned),
                            "strategy": strategy,
                            "coverage_status": min(cover_statuses, key=STATUS_ORDER.index)
                            if cover_statuses else "OPTIMAL"})


def _solver_info(opts: Options, status: str, build_s: float, solve_s: float, started: float,
                 parts: int, variables: int, estimate: int, stopped: str | None,
                 pruned: int = 0) -> dict:
    return {
        "status": status, "build_seconds": round(build_s, 3), "solve_seconds": round(solve_s, 3),
        "total_seconds": round(time.perf_counter() - started, 3),
        "workers": opts.num_workers(), "seed": opts.seed, "deterministic": opts.deterministic,
        "time_limit": opts.time_limit, "components": parts, "variables": variables,
        "estimated_variables": estimate, "stopped": stopped, "pruned": pruned,
    }


def solve_dict(data: dict[str, Any], opts: Options, **kwargs: Any) -> dict[str, Any]:
    """Load and solve a problem dict (the child process entry uses this)."""
    from .problem import load_problem  # noqa: PLC0415

    return solve_problem(load_problem(data), opts, **kwargs)


__all__ = ["eligibility", "solve_dict", "solve_problem"]
