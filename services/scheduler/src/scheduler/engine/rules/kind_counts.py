"""Per-activity-kind maximum count of shifts over the horizon (max_shifts_by_kind)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ..context import lsum

if TYPE_CHECKING:
    from ..context import ModelContext, PlanState


def apply(ctx: ModelContext) -> None:
    """Cap the number of shifts of each listed kind per volunteer."""
    shifts = ctx.problem.shifts
    for vi in ctx.shifts_of:
        vol = ctx.problem.volunteers[vi]
        if not vol.max_shifts_by_kind:
            continue
        by_kind: dict[str, list[int]] = defaultdict(list)
        for si in ctx.shifts_of[vi]:
            by_kind[shifts[si].kind].append(si)
        for kind, cap in vol.max_shifts_by_kind:
            members = by_kind.get(kind, [])
            if len(members) > cap:
                expr = lsum([ctx.works(vi, si) for si in members])
                ctx.enforce(ctx.model.add(expr <= cap), ("kind_max", vol.id, kind))


def blocked(state: PlanState, vi: int, si: int) -> str | None:
    """'kind_max' when vi already has the maximum number of shifts of si's kind."""
    shifts = state.problem.shifts
    caps = dict(state.vol(vi).max_shifts_by_kind)
    kind = shifts[si].kind
    if kind not in caps:
        return None
    used = state.load(vi).kind.get(kind, 0)
    return "kind_max" if used + 1 > caps[kind] else None
