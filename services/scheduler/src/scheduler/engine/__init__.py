"""Linli planning engine: a planning problem in, a plan out (pure Python on OR-Tools CP-SAT).

Public API: load_problem, solve, validate_plan, repair, candidates (plus apply_change and
diff for plan changes).
"""

from __future__ import annotations

from .api import candidates, repair, solve
from .changes import apply_change, diff
from .errors import EngineError, PlanError, ProblemError, ProblemTooLarge, SolveFailed
from .problem import Problem, load_problem
from .validate import Violation, validate_plan

__all__ = [
    "EngineError", "PlanError", "Problem", "ProblemError", "ProblemTooLarge", "SolveFailed",
    "Violation", "apply_change", "candidates", "diff", "load_problem", "repair", "solve",
    "validate_plan",
]
