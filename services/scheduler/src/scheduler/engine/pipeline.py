"""The in-process solve: index -> eligibility -> split into parts -> build and solve each ->
merge -> explain; or, when infeasible, the smallest conflicting set."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from .components import split
from .conflicts import conflict_report, minimal_conflict
from .cpsat import Options, Progress
from .index import VolunteerIndex, eligibility
from .parallel import processes_for, solve_parallel
from .parts import PartJob, PartOutcome, prepare, solve_part
from .plan import assemble
from .problem import Problem
from .prune import prune
from .size import check_size

STATUS_ORDER = ("INFEASIBLE", "MODEL_INVALID", "UNKNOWN", "FEASIBLE", "OPTIMAL")


def solve_problem(problem: Problem, opts: Options, *, progress: Progress | None = None,
                  stop: Any = None, fix: set[tuple[str, str, str]] | None = None,
                  ) -> dict[str, Any]:
    """Solve a loaded problem in this process and return the plan dict."""
    started = time.perf_counter()
    ix = VolunteerIndex(problem)
    elig = eligibility(problem, ix)
    considered, pruned = prune(problem, ix, elig, opts.prune_above)
    # Exact: the variables the parts' builds will create (refused before any is built).
    estimate = check_size(problem, considered, opts.max_variables)
    deadline = started + opts.time_limit - answer_reserve(opts.time_limit, estimate)
    parts = split(problem, considered, ix.pos)
    jobs = [prepare(k, problem, part, considered, fix) for k, part in enumerate(parts)]
    processes = processes_for(jobs, opts)
    if processes > 1:
        outcomes, stopped = solve_parallel(
            jobs, opts, processes, deadline=time.monotonic() + (deadline - time.perf_counter()),
            started=started, progress=progress, stop=stop)
    else:
        outcomes, stopped = _solve_in_turn(jobs, opts, deadline, progress, stop)
    chosen: set[tuple[int, int, str]] = set()
    terms: dict[str, float] = {}
    fair: dict[int, int] = {}
    objective = bound = 0.0
    statuses: list[str] = []
    cover_statuses: list[str] = []
    strategy = "weighted"
    build_seconds = solve_seconds = 0.0
    variables = 0
    for job in jobs:  # in part order, so the merged plan does not depend on who finished first
        res = outcomes.get(job.index)
        if res is None:
            continue
        build_seconds += res.build_seconds
        solve_seconds += res.solve_seconds
        variables += res.variables
        strategy = res.strategy
        statuses.append(res.status)
        cover_statuses.append(res.coverage_status or res.status)
        if res.status == "INFEASIBLE":
            core = minimal_conflict(job.problem, VolunteerIndex(job.problem), job.elig,
                                   replace(opts, time_limit=max(1.0, opts.time_limit / 2)))
            return assemble(
                problem, ix, elig, set(), status="INFEASIBLE", objective=None, bound=None,
                terms={}, fair={}, lang=opts.lang,
                solver=_solver_info(opts, "INFEASIBLE", build_seconds, solve_seconds,
                                    started, len(parts), variables, estimate, stopped, pruned,
                                    processes),
                conflicts=[conflict_report(job.problem, core, opts.lang)] if core else [])
        if res.objective is None:
            continue
        chosen.update(res.chosen)
        fair.update(res.fair)
        objective += res.objective
        bound += res.bound or 0.0
        for name, value in res.terms.items():
            terms[name] = terms.get(name, 0.0) + value
    skipped = len(outcomes) < len(jobs)
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
                                           len(parts), variables, estimate, stopped, pruned,
                                           processes),
                            "strategy": strategy,
                            "coverage_status": min(cover_statuses, key=STATUS_ORDER.index)
                            if cover_statuses else "OPTIMAL"})


def answer_reserve(time_limit: float, variables: int) -> float:
    """Seconds kept back from the search for merging and explaining, so the answer is in on
    time: a second plus a little per variable (district-month's 100k: 3 s), never more than a
    tenth of the limit (a flat tenth kept 6 s of a 60 s limit idle on a small roster)."""
    return max(0.05, min(0.1 * time_limit, 1.0 + 2e-5 * variables, 15.0))


def _solver_info(opts: Options, status: str, build_s: float, solve_s: float, started: float,
                 parts: int, variables: int, estimate: int, stopped: str | None,
                 pruned: int = 0, processes: int = 1) -> dict:
    return {
        "status": status, "build_seconds": round(build_s, 3), "solve_seconds": round(solve_s, 3),
        "total_seconds": round(time.perf_counter() - started, 3),
        "workers": opts.num_workers(), "seed": opts.seed, "deterministic": opts.deterministic,
        "time_limit": opts.time_limit, "components": parts, "variables": variables,
        "estimated_variables": estimate, "stopped": stopped, "pruned": pruned,
        "processes": processes,
    }


def _solve_in_turn(jobs: list[PartJob], opts: Options, deadline: float,
                   progress: Progress | None, stop: Any,
                   ) -> tuple[dict[int, PartOutcome], str | None]:
    """Parts one after another, smallest first, each with a share of the time left
    proportional to its variables; an early stop leaves the later parts unsolved."""
    outcomes: dict[int, PartOutcome] = {}
    remaining_vars = sum(j.variables for j in jobs) or 1
    for job in jobs:
        share = job.variables / remaining_vars if remaining_vars else 1.0
        remaining_vars -= job.variables
        last = remaining_vars <= 0

        def budget(share: float = share, last: bool = last) -> float:
            left = max(0.05, deadline - time.perf_counter())
            return left if last else max(0.05, left * share)

        res = solve_part(job, opts, budget, progress=progress, stop=stop)
        outcomes[job.index] = res
        if res.status == "INFEASIBLE" or res.stopped:
            return outcomes, res.stopped
    return outcomes, None


def solve_dict(data: dict[str, Any], opts: Options, **kwargs: Any) -> dict[str, Any]:
    """Load and solve a problem dict (the child process entry uses this)."""
    from .problem import load_problem  # noqa: PLC0415

    return solve_problem(load_problem(data), opts, **kwargs)


__all__ = ["eligibility", "solve_dict", "solve_problem"]
