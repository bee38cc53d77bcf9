"""Solve independent parts in parallel worker processes.

Parts are dealt to at most os.cpu_count() workers (largest first, each to the least loaded
worker); a worker solves its parts one after another, each with a share of the time left
proportional to its variables, and CP-SAT's search threads are divided among the workers.
Workers are spawned daemon processes: when the solve child is killed, its whole process group
goes with it (runner.py), and on every way out of here they are terminated.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import time
from typing import Any

from .cpsat import Options, Progress
from .errors import SolveFailed
from .parts import PartJob, PartOutcome, solve_part

# Below this many variables outside the largest part, starting processes (about a second
# each, mostly importing OR-Tools) costs more than solving the small parts in turn.
PARALLEL_MIN_VARIABLES = 2000
# How long after the deadline a worker may take to hand in its part before it counts as hung.
WORKER_GRACE = 10.0


def processes_for(jobs: list[PartJob], opts: Options) -> int:
    """How many worker processes to use; 1 means solve the parts in turn, in this process."""
    if len(jobs) < 2 or opts.deterministic or opts.parallel is False:
        return 1
    if mp.current_process().daemon:
        return 1  # a daemon process may not start children
    if opts.parallel is None:
        sizes = sorted(j.variables for j in jobs)
        if sum(sizes[:-1]) < PARALLEL_MIN_VARIABLES:
            return 1
    return max(1, min(os.cpu_count() or 1, len(jobs), opts.num_workers()))


def deal(jobs: list[PartJob], n: int) -> list[list[PartJob]]:
    """Largest part first to the least loaded worker; each worker's list smallest first."""
    bins: list[list[PartJob]] = [[] for _ in range(n)]
    loads = [0] * n
    for job in sorted(jobs, key=lambda j: (-j.variables, j.index)):
        k = loads.index(min(loads))
        bins[k].append(job)
        loads[k] += job.variables
    return [sorted(b, key=lambda j: (j.variables, j.index)) for b in bins if b]


def _worker(jobs: list[PartJob], opts_dict: dict[str, Any], deadline: float, out: Any,
            stop: Any) -> None:
    """Worker entry: ("progress", index, event)* and ("part", outcome) per part, or "error"."""
    try:
        opts = Options(**opts_dict)
        if opts.test_hang_parts:
            time.sleep(opts.test_hang_parts)
        left_vars = sum(j.variables for j in jobs) or 1
        for job in jobs:
            if stop.is_set():
                out.put(("skipped", job.index))
                continue
            share = 1.0 if job is jobs[-1] else job.variables / left_vars
            left_vars = max(1, left_vars - job.variables)

            def budget(share: float = share) -> float:
                return max(0.05, (deadline - time.monotonic()) * share)

            def report(event: dict[str, Any], index: int = job.index) -> None:
                out.put(("progress", index, event))

            out.put(("part", solve_part(job, opts, budget, progress=report, stop=stop)))
    except BaseException as exc:  # noqa: BLE001 - report anything to the solving process
        out.put(("error", f"{type(exc).__name__}: {exc}"))


def solve_parallel(jobs: list[PartJob], opts: Options, n: int, *, deadline: float,
                   started: float, progress: Progress | None = None,
                   stop: Any = None) -> tuple[dict[int, PartOutcome], str | None]:
    """Solve the jobs in n workers; return outcomes by part index and why the search stopped.

    `deadline` is a time.monotonic() value (the same clock in every process). Parts a stop
    request left unsolved have no outcome. Progress events sum the latest objective and bound
    of every part once each part has reported one.
    """
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    wstop = ctx.Event()
    per = max(2, opts.num_workers() // n)
    opts_dict = {**opts.__dict__, "workers": per}
    procs = [ctx.Process(target=_worker, name=f"linli-part-{k}", daemon=True,
                         args=(group, opts_dict, deadline, out, wstop))
             for k, group in enumerate(deal(jobs, n))]
    pending = {j.index for j in jobs}
    latest: dict[int, tuple[float, float, str]] = {}
    outcomes: dict[int, PartOutcome] = {}
    callback_error: str | None = None
    try:
        for p in procs:
            p.start()
        while pending:
            if stop is not None and stop.is_set():
                wstop.set()
            try:
                msg = out.get(timeout=0.05)
            except queue.Empty:
                if time.monotonic() > deadline + WORKER_GRACE:
                    raise SolveFailed("a part's solver process did not finish in time") from None
                if not any(p.is_alive() for p in procs) and out.empty():
                    codes = [p.exitcode for p in procs]
                    raise SolveFailed(f"a part's solver process died (exit codes {codes})") \
                        from None
                continue
            kind = msg[0]
            if kind == "progress":
                _, index, event = msg
                latest[index] = (event["objective"], event["bound"], event.get("phase", "full"))
            elif kind == "part":
                outcome = msg[1]
                outcomes[outcome.index] = outcome
                pending.discard(outcome.index)
                if outcome.objective is not None:
                    latest[outcome.index] = (outcome.objective, outcome.bound or 0.0, "full")
            elif kind == "skipped":
                pending.discard(msg[1])
                continue
            else:
                raise SolveFailed(f"a part's solver process failed: {msg[1]}")
            if progress is None or callback_error or len(latest) < len(jobs):
                continue
            try:
                progress({
                    "event": "solution",
                    "phase": "coverage" if any(v[2] == "coverage" for v in latest.values())
                    else "full",
                    "objective": sum(v[0] for v in latest.values()),
                    "bound": sum(v[1] for v in latest.values()),
                    "elapsed": time.perf_counter() - started,
                    "parts": len(jobs), "parts_done": len(outcomes),
                })
            except Exception as exc:  # noqa: BLE001 - stop cleanly, keep the best plans
                callback_error = f"progress callback raised {type(exc).__name__}: {exc}"
                wstop.set()
    finally:
        wstop.set()
        for p in procs:
            p.join(0.0 if p.exitcode is not None else 0.5)
            if p.is_alive():
                p.terminate()
                p.join(1.0)
            if p.is_alive():
                p.kill()
                p.join(1.0)
        out.close()
    stopped = callback_error or next((o.stopped for o in outcomes.values() if o.stopped), None)
    if stopped is None and len(outcomes) < len(jobs):
        stopped = "stop requested"  # parts skipped because of a stop before they began
    return outcomes, stopped
