"""Hour caps per ISO week (max_hours_week) and per calendar month (max_hours_month)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ..context import wsum

if TYPE_CHECKING:
    from ..context import ModelContext, PlanState
    from ..problem import Shift


def week_key(shift: Shift) -> tuple[int, int]:
    """ISO (year, week) of the shift's date."""
    iso = shift.date.isocalendar()
    return iso[0], iso[1]


def month_key(shift: Shift) -> tuple[int, int]:
    """(year, month) of the shift's date."""
    return shift.date.year, shift.date.month


PERIODS = (
    ("max_hours_week", week_key, "weekly_cap"),
    ("max_hours_month", month_key, "monthly_cap"),
)


def apply(ctx: ModelContext) -> None:
    """Sum of shift minutes in each week / month stays within the volunteer's cap."""
    shifts = ctx.problem.shifts
    for vi, sis in ctx.shifts_of.items():
        vol = ctx.problem.volunteers[vi]
        for attr, key_of, code in PERIODS:
            cap = getattr(vol, attr)
            if cap is None:
                continue
            limit = int(round(cap * 60))
            groups: dict[tuple, list[int]] = defaultdict(list)
            for si in sis:
                groups[key_of(shifts[si])].append(si)
            for members in groups.values():
                if sum(shifts[si].minutes for si in members) > limit:
                    expr = wsum([(shifts[si].minutes, ctx.works(vi, si)) for si in members])
                    ctx.enforce(ctx.model.add(expr <= limit), (code, vol.id))


def blocked(state: PlanState, vi: int, si: int) -> str | None:
    """'weekly_cap' / 'monthly_cap' when si would push vi over a cap."""
    vol, s = state.vol(vi), state.problem.shifts[si]
    if vol.max_hours_week is None and vol.max_hours_month is None:
        return None
    load = state.load(vi)
    for attr, key_of, code in PERIODS:
        cap = getattr(vol, attr)
        if cap is None:
            continue
        used = (load.week if code == "weekly_cap" else load.month).get(key_of(s), 0)
        if used + s.minutes > round(cap * 60):
            return code
    return None
