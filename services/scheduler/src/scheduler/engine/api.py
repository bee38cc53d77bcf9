"""Public entry points: solve (child process by default), repair and candidates.

(The modules behind them are replan.py and ranking.py: a submodule named like a function
would replace that function on the package once imported.)

OR-Tools is imported only when a function here runs, never when the package is imported
(a web app may import the engine for load_problem/validate_plan before forking workers).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from .problem import Problem, load_problem


def _as_problem(problem: Problem | dict[str, Any]) -> Problem:
    return problem if isinstance(problem, Problem) else load_problem(problem)


def solve(problem: Problem | dict[str, Any], *, time_limit: float = 10.0,
          workers: int | None = None, seed: int = 0, deterministic: bool = False,
          progress: Callable[[dict[str, Any]], Any] | None = None,
          stop_event: threading.Event | Any = None, lang: str = "zh-CN",
          in_process: bool = False, max_variables: int | None = None,
          prune_above: int | None = None,
          hard_margin: float | None = None, _test_hang: float = 0.0) -> dict[str, Any]:
    """Solve a problem and return the plan dict (in a child process unless in_process)."""
    from .cpsat import Options  # noqa: PLC0415

    prob = _as_problem(problem)
    opts = Options(time_limit=time_limit, workers=workers, seed=seed,
                   deterministic=deterministic, lang=lang, max_variables=max_variables,
                   prune_above=prune_above)
    if in_process:
        from .pipeline import solve_problem  # noqa: PLC0415

        return solve_problem(prob, opts, progress=progress, stop=stop_event)
    from .runner import solve_in_child  # noqa: PLC0415
    from .size import check_size  # noqa: PLC0415

    # Refuse here, before a child is even started (no OR-Tools needed for this).
    check_size(prob, None, max_variables, prune_above)

    return solve_in_child(prob, opts, progress=progress, stop_event=stop_event,
                          hard_margin=hard_margin, test_hang=_test_hang)


def repair(problem: Problem | dict[str, Any], plan: dict[str, Any],
           change: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Repair a published plan after a change; returns {"plan": ..., "diff": ...}."""
    from .replan import repair_plan  # noqa: PLC0415

    return repair_plan(_as_problem(problem), plan, change, **kwargs)


def candidates(problem: Problem | dict[str, Any], plan: dict[str, Any], shift_id: str,
               skill: str, limit: int = 10, lang: str = "zh-CN",
               replacing: str | None = None) -> list[dict[str, Any]]:
    """Best-ranked eligible volunteers for one open slot, then the excluded ones with why."""
    from .ranking import rank  # noqa: PLC0415

    return rank(_as_problem(problem), plan, shift_id, skill, limit=limit, lang=lang,
                replacing=replacing)
