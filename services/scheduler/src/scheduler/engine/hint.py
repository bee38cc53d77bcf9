"""Greedy initial assignment given to CP-SAT as a solution hint (fills slots by priority,
least-loaded eligible volunteer first, skipping anyone a count/time rule would block)."""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from .context import ModelContext, PlanState
from .objective import true_helpers
from .rules import CONSTRAINT_RULES, adults, staffing_holds


def greedy(ctx: ModelContext, fixed: set[tuple[int, int, str]]) -> set[tuple[int, int, str]]:
    """A plan that respects the per-volunteer count/time rules (shift-level ones not checked)."""
    problem = ctx.problem
    shifts = problem.shifts
    spos = {s.id: i for i, s in enumerate(shifts)}
    state = PlanState(problem, ctx.ix, defaultdict(list), defaultdict(list))
    load: dict[int, int] = defaultdict(int)
    chosen: set[tuple[int, int, str]] = set()
    filled: dict[tuple[int, str], int] = defaultdict(int)

    def take(vi: int, si: int, skill: str) -> None:
        chosen.add((vi, si, skill))
        filled[(si, skill)] += 1
        state.add(vi, si)
        load[vi] += shifts[si].minutes

    for pin in problem.pins:
        take(ctx.ix.pos[pin.volunteer_id], spos[pin.shift_id], pin.skill)
    for key in fixed - chosen:
        take(*key)
    # The previous plan's assignments next (a repair's hint then changes nothing it need
    # not, and phase 1, starting from it, moves only for coverage).
    for prev in problem.previous:
        key = (ctx.ix.pos[prev.volunteer_id], spos[prev.shift_id], prev.skill)
        vi, si, skill = key
        need = next((n for n in shifts[si].needs if n.skill == skill), None)
        if (key in chosen or key not in ctx.x or need is None
                or filled[(si, skill)] >= need.max or vi in state.people_on.get(si, [])
                or any(rule.blocked(state, vi, si) for rule in CONSTRAINT_RULES)):
            continue
        take(vi, si, skill)
    order = sorted(range(len(shifts)), key=lambda si: (-shifts[si].priority, shifts[si].abs_start))
    vols = problem.volunteers
    for si in order:
        shift = shifts[si]
        adults_needed = adults.required(problem, shift)
        for need in shift.needs:
            have = filled[(si, need.skill)]
            on = state.people_on.get(si, [])
            # A shift without its party member or enough adults would be emptied below, so
            # those who provide them come first (least loaded first within each group).
            lead = shift.party_lead and not any(vols[vi].party_member for vi in on)
            grown = sum(1 for vi in on if adults.is_adult(vols[vi], shift))

            def rank(pair: tuple[int, object], lead: bool = lead, short: bool =
                     grown < adults_needed, shift=shift) -> tuple:
                vol = vols[pair[0]]
                return (lead and not vol.party_member,
                        short and not adults.is_adult(vol, shift), load[pair[0]])

            cands = sorted(ctx.slot_vars.get((si, need.skill), []), key=rank)
            for vi, _ in cands:
                if have >= need.min:
                    break
                if vi in state.people_on.get(si, []):
                    continue
                if any(rule.blocked(state, vi, si) for rule in CONSTRAINT_RULES):
                    continue
                take(vi, si, need.skill)
                have += 1
    return _drop_unled(ctx, chosen, state)


def _drop_unled(ctx: ModelContext, chosen: set, state: PlanState) -> set:
    """Empty shifts the greedy pass left without enough adults or without a party member."""
    problem = ctx.problem
    pinned = {(ctx.ix.pos[p.volunteer_id], p.shift_id) for p in problem.pins}
    bad = set()
    for si, people in state.people_on.items():
        shift = problem.shifts[si]
        if not staffing_holds(problem, shift, people):
            if not any((vi, shift.id) in pinned for vi in people):
                bad.add(si)
    return {key for key in chosen if key[1] not in bad}


def add_greedy_hint(ctx: ModelContext, fixed: set[tuple[int, int, str]],
                    complete_seconds: float = 2.0) -> None:
    """Hint the model with the greedy plan, completed to every variable when possible (see
    complete). A complete, feasible hint becomes the search's first solution at once. When
    the greedy plan breaks a rule it does not check, only the assignment variables are
    hinted."""
    chosen = greedy(ctx, fixed)
    values = complete(ctx, chosen, complete_seconds)
    if values is not None:
        ctx.greedy_values = values  # a valid plan to fall back on if the search finds none
        hint = ctx.model.proto.solution_hint
        hint.vars.extend(range(len(values)))
        hint.values.extend(values)
        return
    hint = ctx.model.proto.solution_hint
    hint.vars.extend([var.index for var in ctx.x.values()])
    hint.values.extend([1 if key in chosen else 0 for key in ctx.x])


def complete(ctx: ModelContext, chosen: set[tuple[int, int, str]],
             seconds: float) -> list[int] | None:
    """Every variable's value for the assignments `chosen`, or None when they break a rule.

    The assignment variables are fixed in the model itself (their domains are restored
    afterwards: a copy of the model would double the memory of a district-sized build), and
    a quick solve completes the rest (days worked, shortfalls, deviations...). Helpers
    bounded on one side only are then set to their true values.
    """
    variables = ctx.model.proto.variables
    saved = []
    for key, var in ctx.x.items():
        domain = variables[var.index].domain  # fix in place: [v, v]
        saved.append((domain, domain[0], domain[1]))
        domain[0] = domain[1] = 1 if key in chosen else 0
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    solver.parameters.cp_model_presolve = False  # everything that matters is fixed already
    # No LP: with the assignments fixed it has nothing to decide, and building it took the
    # completion of district-month from 1.2 s to 8 s (past the limit: no complete hint).
    solver.parameters.linearization_level = 0
    # Any completion will do (optimising the helpers took up to the whole 2 s in a repair);
    # the one-sided helpers are then set to their true values below.
    solver.parameters.stop_after_first_solution = True
    try:
        code = solver.solve(ctx.model)
    finally:
        for domain, low, high in saved:
            domain[0], domain[1] = low, high
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    values = list(solver.response_proto.solution)
    true_helpers(ctx, values, chosen)
    return values


def feasible_start(ctx: ModelContext, seconds: float, workers: int, seed: int = 0) -> bool:
    """When the greedy plan could not be completed (it breaks a rule it does not check, such
    as minimum blocks or a minimum total), find any plan by a search without the objective and
    hint it in full. On NRP Instance8 this takes 0.7 s with two workers, where the search
    with the objective found its first plan only after 18-28 s (load 4-8).
    Returns whether a complete hint is now in place."""
    if ctx.greedy_values is not None:
        return True
    proto = ctx.model.proto
    kept = type(proto.objective)()
    kept.copy_from(proto.objective)
    proto.clear_objective()
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.stop_after_first_solution = True
    try:
        code = solver.solve(ctx.model)
    finally:
        proto.objective.copy_from(kept)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    values = list(solver.response_proto.solution)
    chosen = {key for key, var in ctx.x.items() if values[var.index]}
    true_helpers(ctx, values, chosen)
    ctx.greedy_values = values
    ctx.model.clear_hints()
    hint = proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)
    return True
