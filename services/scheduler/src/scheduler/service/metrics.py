"""Metrics of solving, recorded by the solve workers (served on SCHEDULER_METRICS_PORT)."""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Gauge, Histogram

SOLVE_SECONDS = Histogram(
    "linli_solve_duration_seconds", "Wall time of one solve in the engine, by solver status",
    ["status"], buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600),
)
SOLVES = Counter("linli_solves_total", "Solves finished, by solver status", ["status"])
LAST_GAP = Gauge("linli_solve_last_gap", "Relative gap between objective and bound of the "
                 "last solve", multiprocess_mode="mostrecent")
LAST_OBJECTIVE = Gauge("linli_solve_last_objective", "Objective value of the last solve",
                       multiprocess_mode="mostrecent")
JOBS = Counter("linli_solve_jobs_total", "Solve commands handled, by result (done, failed, "
               "cancelled, lost, not-claimed, error)", ["result"])


def record_solve(result: dict[str, Any] | None, seconds: float) -> None:
    """Count one engine run; a run that raised counts as status `error`."""
    status = str((result or {}).get("status") or "error").lower()
    SOLVE_SECONDS.labels(status).observe(seconds)
    SOLVES.labels(status).inc()
    objective = (result or {}).get("objective") or {}
    if isinstance(objective.get("gap"), int | float):
        LAST_GAP.set(objective["gap"])
    if isinstance(objective.get("value"), int | float):
        LAST_OBJECTIVE.set(objective["value"])
