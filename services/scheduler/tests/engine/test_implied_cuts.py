"""Implied constraints that tighten the LP: they must never cut off a plan the rules allow."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import product

import pytest

from scheduler.engine.rules.min_blocks import most_days_on


def _runs(bits: tuple[int, ...], value: int) -> list[tuple[int, int]]:
    out, first = [], None
    for i, b in enumerate((*bits, 1 - value)):
        if b == value and first is None:
            first = i
        elif b != value and first is not None:
            out.append((first, i - 1))
            first = None
    return out


def _allowed(bits: tuple[int, ...], cap: int, off: int) -> bool:
    """Work runs of at most cap days; rests of at least `off` unless they touch an end."""
    last = len(bits) - 1
    if any(b - a + 1 > cap for a, b in _runs(bits, 1)):
        return False
    return all(b - a + 1 >= off for a, b in _runs(bits, 0) if a > 0 and b < last)


@pytest.mark.parametrize(("cap", "off"), [(1, 2), (2, 2), (3, 2), (5, 2), (2, 3), (4, 3)])
def test_most_days_on_is_the_true_maximum(cap, off):
    for length in range(1, 13):
        best = max(sum(bits) for bits in product((0, 1), repeat=length)
                   if _allowed(bits, cap, off))
        assert most_days_on(length, cap, off) == best, (length, cap, off)


def test_the_window_cuts_keep_the_best_plan(mk):
    # Two weeks, one place a day, one volunteer working at most 2 days in a row with rests
    # of at least 2: the best plan works 8 of the 14 days (on-on-off-off, ending on-on).
    start = date(2026, 3, 2)
    shifts = [mk.shift(f"s{d}", date=(start + timedelta(days=d)).isoformat())
              for d in range(14)]
    vol = mk.volunteer("p1", max_consecutive_days=2, min_consecutive_days_off=2)
    plan = mk.run(mk.problem([vol], shifts,
                             horizon={"start": "2026-03-02", "end": "2026-03-15"}))
    assert plan["status"] == "OPTIMAL"
    assert len(plan["assignments"]) == most_days_on(14, 2, 2) == 8


def test_weekend_cut_keeps_a_full_weekend(mk):
    # At most one weekend: both of its days may still be worked.
    shifts = [mk.shift("sat", date="2026-03-07"), mk.shift("sun", date="2026-03-08"),
              mk.shift("sat2", date="2026-03-14"), mk.shift("sun2", date="2026-03-15")]
    vol = mk.volunteer("p1", max_weekends=1)
    plan = mk.run(mk.problem([vol], shifts,
                             horizon={"start": "2026-03-02", "end": "2026-03-15"},
                             rules={"max_shifts_per_day": 1}))
    assert plan["status"] == "OPTIMAL"
    worked = {a["shift_id"] for a in plan["assignments"]}
    assert worked in ({"sat", "sun"}, {"sat2", "sun2"})
