"""Exceptions the planning engine raises to its callers."""

from __future__ import annotations


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class ProblemError(EngineError, ValueError):
    """A planning problem is malformed; `.field` is the offending field path."""

    def __init__(self, field: str, message: str, errors: list[tuple[str, str]] | None = None):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message
        self.errors = errors or [(field, message)]


class PlanError(ProblemError):
    """A plan document is malformed."""


class ProblemTooLarge(ProblemError):
    """The problem would need more variables than the configured cap allows."""


class SolveFailed(EngineError):
    """The solver child crashed, hung past its hard limit, or returned no answer."""
