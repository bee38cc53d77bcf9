"""The weighted strategy's solve: one objective, the weighted sum, reached in three steps.

On rosters whose coverage is hard to reach (the NRP instances: staff capacity equal to the
demand, blocks, weekends and minimum totals), the search on the full weighted sum spends the
time limit trading requests against places it has not yet learnt to fill. So a first step
minimises the shortfall alone with one CP-SAT worker (its sequential search, with the LP in
charge from the start, found NRP Instance5's 11 missing places in 2 s where two workers
stayed at 12 for 30 s, load 5; with the excess priced too it found them later and the step
ended at 12), until it stops improving; the weighted sum then starts from that plan with one
worker until that stalls, and with CP-SAT's whole portfolio (see PORTFOLIO_WORKERS) for the
rest. When the plan of the one-worker steps is still far from the shortfall's bound, the
last step starts afresh instead of from that plan (see _stuck).
The objective, bound and status are those of the weighted sum itself: the first step only
chooses where the search starts, and the plan may still trade a place for requests whenever
the weights say so.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from .build import Built
from .context import SCALE, wsum
from .cpsat import Options, Progress, RawResult, run
from .objective import set_objective, true_helpers

FIRST_SHARE = 0.4  # of the time, at most, for the shortfall alone
# Seconds without an improving plan that end a one-worker step, as a share of the limit (at
# least 1 s). Instances 5-8 at 60 s: 0.05 gave +0.8/0.05/1.2/58 % (load 4-5), 0.2 gave
# +0.9/5.1/2.5/58 % (load 7, the excess then priced in the first step).
PATIENCE = 0.05
# Search workers of the last step, whatever the machine's cores: CP-SAT's portfolio of eight
# (several neighbourhood searches, feasibility jump, a core-based worker) on two cores found
# NRP Instance6's best-known 1,950 and Instance7 +0.5 % in 60 s, where its two workers ended
# at +4.7 % and +1.0 %. Only rosters up to PORTFOLIO_MAX_VARIABLES take it: every worker
# keeps its own copy of the model.
PORTFOLIO_WORKERS = 8
PORTFOLIO_MAX_VARIABLES = 50_000


def solve_weighted(built: Built, opts: Options, *, progress: Progress | None = None,
                   stop: Any = None) -> RawResult:
    """Shortfall first (a warm start), then the weighted sum; deterministic solves, short
    limits and problems without a shortfall term go straight to the weighted sum."""
    ctx = built.ctx
    shortfall = ctx.terms.get("coverage", [])
    others = any(items for name, items in ctx.terms.items() if name != "coverage")
    if opts.deterministic or not shortfall or not others or opts.time_limit < 2.0:
        return run(built, opts, progress=progress, stop=stop)
    started = time.perf_counter()
    ctx.model.minimize(wsum(shortfall))
    first = run(built, replace(opts, time_limit=opts.time_limit * FIRST_SHARE, workers=1),
                progress=progress, stop=stop, phase="coverage",
                patience=max(1.0, PATIENCE * opts.time_limit))
    set_objective(ctx)
    if first.stopped or opts.time_limit - (time.perf_counter() - started) < 0.05:
        first.status = "FEASIBLE" if first.values is not None else first.status
        first.bound = None
        return first
    _hint(ctx, first)
    left = opts.time_limit - (time.perf_counter() - started)
    # The weighted sum with one worker until it stalls, then with the portfolio for what is
    # left, each step starting from the last plan unless that plan is stuck.
    second = run(built, replace(opts, time_limit=left, workers=1),
                 progress=progress, stop=stop, patience=max(1.0, PATIENCE * opts.time_limit))
    second.solve_seconds += first.solve_seconds
    if second.values is None and first.values is not None:
        first.status, first.bound = "FEASIBLE", None
        return first
    left = opts.time_limit - (time.perf_counter() - started)
    if second.stopped or second.status == "OPTIMAL" or left < 0.5 or opts.num_workers() < 2:
        return second
    if _stuck(built, first, second):
        ctx.model.clear_hints()
    else:
        _hint(ctx, second)
    third = run(built, replace(opts, time_limit=left, workers=_portfolio(built, opts)),
                progress=progress, stop=stop)
    third.solve_seconds += second.solve_seconds
    if third.values is None or (third.objective or 0.0) > (second.objective or 0.0):
        # Started without the hint, the last step may end worse than the plan it set aside.
        if third.bound is not None:
            second.bound = max(second.bound or 0.0, third.bound)
        return second
    if second.bound is not None:
        third.bound = max(third.bound or 0.0, second.bound)
    return third


def _stuck(built: Built, first: RawResult, second: RawResult) -> bool:
    """Whether the one-worker steps' plan misses more than twice the shortfall step's bound
    plus one place: a poor start they could not leave, whose hint would hold the last step
    next to it too.

    NRP Instance8's first plan (from the search without objective) missed 207 places against
    a bound of 12, and both one-worker steps stayed there. From that hint the portfolio ended
    at 1,742-1,831 in 60 s; a fresh one-worker shortfall search first, then the portfolio
    from its plan, at 1,663; the portfolio without any hint at 1,316 and 1,420 (best known
    1,300). Instance5-7 leave their start in step 1 or 2, so they keep the hint.
    """
    found, bound = second.terms.get("coverage"), first.bound
    if found is None or bound is None:
        return False
    place = min((abs(coef) for coef, _ in built.ctx.terms["coverage"] if coef), default=0)
    return found > 2 * bound + place / SCALE


def _portfolio(built: Built, opts: Options) -> int:
    """Search workers of the last step (see PORTFOLIO_WORKERS)."""
    workers = opts.num_workers()
    if len(built.ctx.model.proto.variables) <= PORTFOLIO_MAX_VARIABLES:
        return max(workers, PORTFOLIO_WORKERS)
    return workers


def _hint(ctx: Any, res: RawResult) -> None:
    """Hint a step's whole plan (with its one-sided helpers at their true values)."""
    if res.values is None:
        return
    values = list(res.values)
    true_helpers(ctx, values, res.chosen)
    ctx.model.clear_hints()
    hint = ctx.model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)
