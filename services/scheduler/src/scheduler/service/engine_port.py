"""The planning engine as the service uses it: problem checks, solve, validate, repair,
candidates. OR-Tools is imported on first use only, so web workers forked by gunicorn never
load it before the fork."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from scheduler.service.errors import Invalid


def check_problem(problem: dict[str, Any]) -> None:
    """Raise `Invalid` naming the field when the engine refuses the problem."""
    from scheduler.engine import ProblemError, load_problem  # noqa: PLC0415

    try:
        load_problem(problem)
    except ProblemError as exc:
        errors = {"problem": {exc.field or "problem": [exc.message]}}
        raise Invalid("bad_problem", errors=errors) from None


def solve(
    problem: dict[str, Any],
    *,
    time_limit: float,
    progress: Callable[[dict[str, Any]], None] | None = None,
    stop_event: threading.Event | None = None,
    lang: str = "zh-CN",
) -> dict[str, Any]:
    """Solve in a child process with a hard wall-clock kill; return the plan dict."""
    from scheduler.engine.api import solve as engine_solve  # noqa: PLC0415

    return engine_solve(
        problem, time_limit=time_limit, progress=progress, stop_event=stop_event, lang=lang
    )


def validate(problem: dict[str, Any], plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Hard-rule violations of a plan, re-checked independently of the solver."""
    from scheduler.engine.validate import validate_plan  # noqa: PLC0415

    return [v.as_dict() for v in validate_plan(problem, plan)]


def repair(
    problem: dict[str, Any], plan: dict[str, Any], change: dict[str, Any], *,
    time_limit: float = 1.5, lang: str = "zh-CN",
) -> dict[str, Any]:
    """The plan repaired after a change, changing as little as possible: {"plan", "diff"}."""
    from scheduler.engine import ProblemError  # noqa: PLC0415

    # From `api`: importing the engine's `repair` submodule rebinds the package attribute
    # `scheduler.engine.repair` to that module.
    from scheduler.engine.api import repair as engine_repair  # noqa: PLC0415

    try:
        return engine_repair(  # type: ignore[no-any-return]
            problem, plan, change, time_limit=time_limit, lang=lang
        )
    except (KeyError, TypeError) as exc:
        # A change the engine cannot even read (e.g. an added shift without an id).
        raise Invalid("bad_problem", errors={"change": [type(exc).__name__]}) from None
    except ProblemError as exc:
        errors = {"change": {exc.field or "change": [exc.message]}}
        raise Invalid("bad_problem", errors=errors) from None


def load(problem: dict[str, Any]) -> Any:
    """The engine's checked, built form of a problem, reusable by `candidates`; a problem
    the engine refuses is 422 as `candidates` answers it."""
    from scheduler.engine import ProblemError, load_problem  # noqa: PLC0415

    try:
        return load_problem(problem)
    except ProblemError as exc:
        raise Invalid("bad_problem", errors={exc.field or "shift_id": [exc.message]}) from None


def candidates(
    problem: Any, plan: dict[str, Any], shift_id: str, skill: str, limit: int,
    lang: str = "zh-CN", replacing: str | None = None,
) -> list[dict[str, Any]]:
    """Volunteers ranked for one open slot, best first (`problem`: a dict or from `load`)."""
    from scheduler.engine import ProblemError  # noqa: PLC0415
    from scheduler.engine.api import candidates as engine_candidates  # noqa: PLC0415

    try:
        return list(engine_candidates(problem, plan, shift_id, skill, limit=limit, lang=lang,
                                      replacing=replacing))
    except ProblemError as exc:
        raise Invalid("bad_problem", errors={exc.field or "shift_id": [exc.message]}) from None
