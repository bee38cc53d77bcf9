"""One independent part: cut it out of the problem, build and solve it, and state the result
in the full problem's indexes (so parts solved anywhere can be merged)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .build import build
from .components import Component, remap, subproblem
from .cpsat import Options, Progress, solve_built, strategy_of
from .index import Eligibility
from .problem import Problem


@dataclass
class PartJob:
    """A part ready to build: its sub-problem and the maps back to the full problem."""

    index: int
    problem: Problem
    elig: list[Eligibility]
    fix: set[tuple[str, str, str]] | None
    vols: list[int] | None  # sub-problem volunteer index -> full index (None: whole problem)
    shifts: list[int] | None
    variables: int


@dataclass
class PartOutcome:
    """What solving one part gave, in the full problem's indexes."""

    index: int
    status: str
    chosen: list[tuple[int, int, str]] = field(default_factory=list)
    fair: dict[int, int] = field(default_factory=dict)
    objective: float | None = None
    bound: float | None = None
    terms: dict[str, float] = field(default_factory=dict)
    coverage_status: str | None = None
    stopped: str | None = None
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    variables: int = 0
    strategy: str = "weighted"


def prepare(index: int, problem: Problem, part: Component, considered: list[Eligibility],
            fix: set[tuple[str, str, str]] | None) -> PartJob:
    """Cut a part out of the problem (the problem itself when the part is all of it)."""
    whole = len(part.vols) == len(problem.volunteers) and len(part.shifts) == len(
        problem.shifts)
    sub = problem if whole else subproblem(problem, part)
    sub_elig = considered if whole else remap(considered, problem, sub, part)
    sub_fix = None
    if fix:
        sub_fix = {f for f in fix if f[1] in sub.shift_by_id and f[0] in sub.volunteer_by_id}
    return PartJob(index, sub, sub_elig, sub_fix, None if whole else list(part.vols),
                   None if whole else list(part.shifts), part.variables)


def solve_part(job: PartJob, opts: Options, time_left: Callable[[], float], *,
               progress: Progress | None = None, stop: Any = None) -> PartOutcome:
    """Build one part, then solve it for time_left() seconds (asked after the build, so the
    build's own time comes out of the part's share)."""
    built = build(job.problem, elig=job.elig, fix=job.fix, hint=opts.hint,
                  max_variables=opts.max_variables)
    part_opts = replace(opts, time_limit=time_left())
    res = solve_built(built, part_opts, progress=progress, stop=stop)
    out = PartOutcome(job.index, res.status, coverage_status=res.coverage_status or res.status,
                      stopped=res.stopped, build_seconds=built.build_seconds,
                      solve_seconds=res.solve_seconds, variables=len(built.ctx.x),
                      strategy=strategy_of(built))
    if res.objective is None:
        return out
    vmap, smap = job.vols, job.shifts
    out.chosen = [(vmap[vi] if vmap is not None else vi, smap[si] if smap is not None else si,
                   skill) for vi, si, skill in res.chosen]
    out.fair = {(vmap[k] if vmap is not None else k): v
                for k, v in built.ctx.fair_shares().items()}
    out.objective, out.bound, out.terms = res.objective, res.bound, dict(res.terms)
    return out
