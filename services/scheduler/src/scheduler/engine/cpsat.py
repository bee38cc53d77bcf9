"""Run CP-SAT on a built model: parameters, progress callback, stop requests, raw results."""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ortools.sat.python import cp_model

from .build import Built
from .context import SCALE, wsum
from .objective import true_helpers
from .score import score

Progress = Callable[[dict[str, Any]], Any]


@dataclass
class Options:
    """How to run a solve."""

    time_limit: float = 10.0
    workers: int | None = None
    seed: int = 0
    deterministic: bool = False
    lang: str = "zh-CN"
    max_variables: int | None = None
    hint: bool = True
    prune_above: int | None = None
    parallel: bool | None = None  # independent parts in worker processes (None: if worth it)
    test_hang_parts: float = 0.0  # tests only: part workers sleep this long before solving

    def num_workers(self) -> int:
        """Search workers: 1 in deterministic mode, else the request or the CPU count (<= 8)."""
        if self.deterministic:
            return 1
        return self.workers or min(8, os.cpu_count() or 1)


@dataclass
class RawResult:
    """What a solve produced, before it becomes a plan."""

    status: str
    chosen: set[tuple[int, int, str]] = field(default_factory=set)
    objective: float | None = None
    bound: float | None = None
    terms: dict[str, float] = field(default_factory=dict)
    shortfall: dict[tuple[int, str], int] = field(default_factory=dict)
    solve_seconds: float = 0.0
    stopped: str | None = None
    coverage_status: str | None = None
    values: list[int] | None = None  # full solution vector, to warm-start a next phase


MAX_MEMORY_MB = 6144
# Below this many workers CP-SAT's portfolio has one full-problem search (default_lp) beside
# its neighbourhood searches; the lexicographic phases then add the one that suits them.
# Phase 1 (coverage, a sum of penalties) gets the core-based search: district-week's
# coverage was proven in 4.7 s instead of 13.3 s. Phase 2 gets max_lp, the strongest LP
# relaxation: district-week's bound at 30 s rose from 76.6k to 85.9k (gap 17.9 % -> 8.3 %).
# The county presets stayed within run-to-run noise, district-month peaked at 2.05 GB.
EXTRA_WORKERS_BELOW = 8
START_SHARE = 0.2  # of the time, at most, to find a first plan when the greedy one is not


def light_presolve(params: Any) -> None:
    """One presolve pass without probing or symmetry, stronger LP relaxation.

    Measured on county-sized instances: the first solution arrives in about 1 s instead of
    5-7 s, and bounds are as good or better, because full presolve spends most of a short
    time limit on probing and symmetry detection.
    """
    params.max_presolve_iterations = 1
    params.cp_model_probing_level = 0
    params.symmetry_level = 0
    params.linearization_level = 2


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Reports each improving solution; never lets an exception reach the solver."""

    def __init__(self, progress: Progress | None, offset: float, started: float,
                 phase: str = "full", bound_offset: float = 0.0):
        super().__init__()
        self.phase = phase
        self.progress = progress
        self.offset = offset
        self.bound_offset = bound_offset
        self.started = started
        self.error: str | None = None
        self.solver: cp_model.CpSolver | None = None
        self.last = started  # when the latest improving solution came

    def on_solution_callback(self) -> None:
        self.last = time.perf_counter()
        if self.progress is None or self.error:
            return
        try:
            self.progress({
                "event": "solution",
                "phase": self.phase,
                "objective": self.objective_value / SCALE + self.offset,
                "bound": self.best_objective_bound / SCALE + self.bound_offset,
                "elapsed": time.perf_counter() - self.started,
            })
        except BaseException as exc:  # noqa: BLE001 - a raising callback must not abort CP-SAT
            self.error = f"{type(exc).__name__}: {exc}"
            self.stop_search()


def run(built: Built, opts: Options, *, progress: Progress | None = None,
        stop: Any = None, offset: float = 0.0, assumptions: list | None = None,
        phase: str = "full", bound_offset: float | None = None,
        patience: float | None = None, extra_worker: str | None = None) -> RawResult:
    """Solve a built model within opts.time_limit; `stop` is any object with is_set().
    With `patience`, the search also ends (not as a stop) after that many seconds without
    an improving solution. `extra_worker` names a CP-SAT subsolver added to a portfolio
    smaller than its full one (see EXTRA_WORKERS_BELOW)."""
    ctx = built.ctx
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.05, float(opts.time_limit))
    params.num_workers = opts.num_workers()
    if extra_worker and 2 <= params.num_workers < EXTRA_WORKERS_BELOW:
        params.num_workers += 1
        params.extra_subsolvers.append(extra_worker)
    params.random_seed = int(opts.seed)
    light_presolve(params)
    # A guard only (the search stops and keeps its best plan): a district-month peaks near
    # 2 GB, so this is never reached by a model the size cap admits on a sane machine.
    params.max_memory_in_mb = MAX_MEMORY_MB
    if opts.deterministic:
        params.interleave_search = False
    if assumptions:
        ctx.model.clear_assumptions()
        ctx.model.add_assumptions(assumptions)
    started = time.perf_counter()
    watcher = _Watcher(progress, offset, started, phase,
                       offset if bound_offset is None else bound_offset)
    done = threading.Event()
    stopped: list[str] = []

    def watch_stop() -> None:
        while not done.wait(0.02):
            if stop is not None and stop.is_set():
                stopped.append("stop requested")
                solver.stop_search()
                return
            if patience is not None and time.perf_counter() - watcher.last > patience:
                solver.stop_search()
                return

    thread = threading.Thread(target=watch_stop, daemon=True)
    thread.start()
    try:
        code = solver.solve(ctx.model, watcher)
    finally:
        done.set()
        thread.join()
    if stop is not None and stop.is_set() and not stopped:
        stopped.append("stop requested")  # arrived as the search was ending
    result = RawResult(solver.status_name(code), solve_seconds=time.perf_counter() - started)
    if watcher.error:
        result.stopped = f"progress callback raised {watcher.error}"
    elif stopped:
        result.stopped = stopped[0]
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return result
    fill_from_values(ctx, result, list(solver.response_proto.solution))
    result.bound = solver.best_objective_bound / SCALE
    return result


def fill_from_values(ctx: Any, result: RawResult, values: list[int]) -> None:
    """Chosen assignments and objective terms of a full solution vector."""
    result.values = values
    result.chosen = {key for key, var in ctx.x.items() if values[var.index]}
    # Priced from the assignments, never from helper variables (see score.py).
    result.terms = score(ctx.problem, ctx.ix, result.chosen, shares=ctx.fair_shares(),
                         pairs=set(ctx.works_vars))
    # The full objective, whatever objective this phase minimised (all terms are >= 0).
    result.objective = sum(result.terms.values())
    result.shortfall = {key: int(_value(values, var)) for key, var in ctx.shortfall.items()}


def greedy_fallback(built: Built, result: RawResult) -> RawResult:
    """When the search found nothing in time, answer with the completed greedy plan."""
    values = built.ctx.greedy_values
    if result.chosen or result.status not in ("UNKNOWN",) or values is None:
        return result
    fallback = RawResult("FEASIBLE", solve_seconds=result.solve_seconds,
                         stopped=result.stopped or "time limit reached: greedy plan returned")
    fill_from_values(built.ctx, fallback, values)
    fallback.bound = None
    return fallback


def _value(values: Any, var: Any) -> int:
    """Value of a variable or a negated literal in a solution vector."""
    index = var.index
    return values[index] if index >= 0 else 1 - values[-index - 1]


COVERAGE_TERMS = ("coverage", "over_cover")
# Of the time left after phase 1, at most, for rebalancing its plan before phase 2. On
# district-week (30 s) 0.1 took the plan to 92.7k in 2.2 s and the solve to a 6.0 % gap;
# 0.2 and 0.4 (92.6k and 92.4k) left less to phase 2 and ended at 6.6 % and 7.3 %.
REBALANCE_SHARE = 0.1
REBALANCE_COMPLETE_SECONDS = 2.0
REBALANCE_DETERMINISTIC_ROUNDS = 3
SECONDARY_WEIGHTS = ("fairness", "preference", "continuity", "proximity", "mentoring",
                     "stability")


def strategy_of(built: Built) -> str:
    """'lexicographic' unless asked otherwise or no secondary term is weighted."""
    problem = built.ctx.problem
    if problem.strategy != "auto":
        return problem.strategy
    if not any(problem.weights.get(name) for name in SECONDARY_WEIGHTS):
        return "weighted"  # e.g. the NRP benchmark: coverage and requests traded exactly
    return "lexicographic"


def solve_built(built: Built, opts: Options, *, progress: Progress | None = None,
                stop: Any = None) -> RawResult:
    """Solve by the problem's strategy.

    lexicographic: phase 1 minimises coverage (+ over_cover) alone; phase 2 keeps that value as
    a constraint, starts from phase 1's plan, and minimises the full weighted objective.
    weighted: one solve of the full weighted sum.
    """
    return greedy_fallback(built, _solve_built(built, opts, progress=progress, stop=stop))


def _solve_built(built: Built, opts: Options, *, progress: Progress | None = None,
                 stop: Any = None) -> RawResult:
    ctx = built.ctx
    if opts.hint and ctx.greedy_values is None:
        from .hint import feasible_start  # noqa: PLC0415 - hint.py builds on this module

        started = time.perf_counter()
        feasible_start(ctx, opts.time_limit * START_SHARE, opts.num_workers(), opts.seed)
        opts = replace(opts, time_limit=opts.time_limit - (time.perf_counter() - started))
    cover_items = [item for name in COVERAGE_TERMS for item in ctx.terms.get(name, [])]
    if strategy_of(built) == "weighted" or not cover_items:
        from .weighted import solve_weighted  # noqa: PLC0415 - weighted.py builds on this module

        return solve_weighted(built, opts, progress=progress, stop=stop)
    started = time.perf_counter()
    cover = wsum(cover_items)
    ctx.model.minimize(cover)
    first = run(built, replace(opts, time_limit=opts.time_limit * 0.6),
                progress=progress, stop=stop, phase="coverage", extra_worker="core")
    if not first.chosen and first.status not in ("OPTIMAL", "FEASIBLE"):
        return first
    first_status = first.status
    left = opts.time_limit - (time.perf_counter() - started)
    if first.stopped or left < 0.05:
        first.status = "FEASIBLE"
        return first
    reached = round(sum(first.terms.get(n, 0.0) for n in COVERAGE_TERMS) * SCALE)
    ctx.model.add(cover <= reached)
    if first.bound is not None:
        ctx.model.add(cover >= math.ceil(first.bound * SCALE - 1e-6))
    # Phase 1's solution satisfies every phase 2 constraint: hint all of it (a complete hint
    # becomes phase 2's first solution at once).
    ctx.model.clear_hints()
    values = list(first.values or [])
    # Helpers bounded on one side only may sit above their true values in phase 1's plan
    # (fairness is not even priced there): start phase 2 from the true values.
    true_helpers(ctx, values, first.chosen)
    values = _rebalanced(built, first, values, REBALANCE_SHARE * left, opts.deterministic, stop)
    left = opts.time_limit - (time.perf_counter() - started)
    hint = ctx.model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)
    # Phase 2 minimises the lower-priority terms alone: coverage is held by the constraints
    # above, and left in the objective its LP slack would only weaken phase 2's bound.
    rest = [item for name, items in ctx.terms.items() if name not in COVERAGE_TERMS
            for item in items]
    constant = sum(v for name, v in ctx.constants.items() if name not in COVERAGE_TERMS)
    ctx.model.minimize(wsum(rest) + constant)
    floor = first.bound if first.bound is not None else 0.0
    second = run(built, replace(opts, time_limit=left), progress=progress, stop=stop,
                 offset=reached / SCALE, bound_offset=floor, extra_worker="max_lp")
    second.solve_seconds += first.solve_seconds
    if not second.chosen and second.status not in ("OPTIMAL", "FEASIBLE"):
        first.status = "FEASIBLE"
        first.bound = max(first.bound or 0.0, 0.0)
        return first
    if first_status != "OPTIMAL" and second.status == "OPTIMAL":
        second.status = "FEASIBLE"  # optimal only under a coverage level not proven best
    second.coverage_status = first_status
    # The best plan has coverage cost >= phase 1's bound and, among the plans with coverage
    # no worse than `reached` (the best is one of them), the other terms >= phase 2's bound.
    second.bound = floor + (second.bound or 0.0)
    return second


def _rebalanced(built: Built, first: RawResult, values: list[int], seconds: float,
                deterministic: bool, stop: Any = None) -> list[int]:
    """Phase 1's plan with load moved from overloaded to underloaded people (rebalance.py),
    completed by the model, within about `seconds` (a deterministic solve: a fixed number of
    rounds instead); phase 1's own values when that fails or scores no better."""
    from .hint import complete  # noqa: PLC0415 - hint.py builds on this module
    from .rebalance import rebalance  # noqa: PLC0415

    ctx = built.ctx
    if deterministic:
        chosen = rebalance(ctx, first.chosen, None, REBALANCE_DETERMINISTIC_ROUNDS, stop=stop)
    else:
        chosen = rebalance(ctx, first.chosen, time.perf_counter() + seconds, stop=stop)
    if chosen == first.chosen or (stop is not None and stop.is_set()):
        return values
    completed = complete(ctx, chosen, max(0.05, min(REBALANCE_COMPLETE_SECONDS, seconds / 2)))
    if completed is None:
        return values
    trial = RawResult("FEASIBLE")
    fill_from_values(ctx, trial, completed)
    if (trial.objective or 0.0) >= (first.objective or 0.0):
        return values
    return completed


def check_assumptions(built: Built, keys: list[tuple], opts: Options) -> tuple[str, list[tuple]]:
    """Solve for feasibility under the given rule groups; return status and a core of keys."""
    ctx = built.ctx
    ctx.model.clear_objective()
    lits = [ctx.guards[k] for k in keys]
    ctx.model.clear_assumptions()
    ctx.model.add_assumptions(lits)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, float(opts.time_limit))
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(opts.seed)
    code = solver.solve(ctx.model)
    by_index = {lit.index: k for k, lit in zip(keys, lits, strict=True)}
    core = []
    if code == cp_model.INFEASIBLE:
        core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()
                if i in by_index]
    return solver.status_name(code), core
