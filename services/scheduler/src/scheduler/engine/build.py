"""Build the CP-SAT model: eligibility -> variables -> one module per rule -> objective."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from . import objective
from .context import ModelContext
from .index import Eligibility, VolunteerIndex, eligibility, exclusion_reasons
from .problem import Problem
from .rules import CONSTRAINT_RULES
from .size import check_size


@dataclass
class Built:
    """A built model with what extraction and explanation need."""

    ctx: ModelContext
    elig: list[Eligibility]
    build_seconds: float
    fixed: set[tuple[int, int, str]] = field(default_factory=set)


def build(problem: Problem, *, ix: VolunteerIndex | None = None,
          elig: list[Eligibility] | None = None, with_assumptions: bool = False,
          fix: set[tuple[str, str, str]] | None = None, hint: bool = True,
          max_variables: int | None = None) -> Built:
    """Build the model; `fix` holds (volunteer_id, shift_id, skill) assignments forced to 1."""
    started = time.perf_counter()
    ix = ix or VolunteerIndex(problem)
    elig = elig if elig is not None else eligibility(problem, ix)
    check_size(problem, elig, max_variables)
    ctx = ModelContext(problem, ix, with_assumptions=with_assumptions)
    for e in elig:
        for vi in e.eligible.tolist():
            ctx.add_pair(vi, e.shift_index, e.skill)
    _add_pinned_pairs(ctx)
    ctx.finish_pairs()
    for rule in CONSTRAINT_RULES:
        rule.apply(ctx)
    objective.apply(ctx)
    objective.set_objective(ctx)
    fixed = set()
    if fix:
        spos = {s.id: i for i, s in enumerate(problem.shifts)}
        for vid, sid, skill in fix:
            key = (ix.pos[vid], spos[sid], skill)
            if key in ctx.x:
                ctx.model.add(ctx.x[key] == 1)
                fixed.add(key)
    if hint:
        from .hint import add_greedy_hint  # noqa: PLC0415

        add_greedy_hint(ctx, fixed)
    return Built(ctx, elig, time.perf_counter() - started, fixed)


def _add_pinned_pairs(ctx: ModelContext) -> None:
    """Pins of ineligible pairs still get a variable, held at 0 by their eligibility group."""
    problem, ix = ctx.problem, ctx.ix
    spos = {s.id: i for i, s in enumerate(problem.shifts)}
    for pin in problem.pins:
        key = (ix.pos[pin.volunteer_id], spos[pin.shift_id], pin.skill)
        if key in ctx.x:
            continue
        shift = problem.shifts[key[1]]
        need = next(n for n in shift.needs if n.skill == pin.skill)
        reasons = exclusion_reasons(ix, shift, need, key[0])
        var = ctx.add_pair(*key)
        ctx.ineligible[key] = reasons
        ctx.enforce(ctx.model.add(var == 0),
                    ("eligibility", pin.volunteer_id, pin.shift_id, pin.skill, tuple(reasons)))
