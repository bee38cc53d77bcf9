"""Recurrence expansion and the idempotent shift sync."""

from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.domain.calendar import CalendarNotConfirmed, RegionCalendar
from registry.domain.recurrence import (
    ExistingShift,
    Recurrence,
    RecurrenceError,
    ShiftSync,
    occurrence_dates,
    plan_shift_sync,
    recurrence_from_record,
)

CAL = RegionCalendar(
    region="jiangxi-shangyou",
    terms=((date(2026, 3, 2), date(2026, 7, 10)),),
)
T1630, T1800 = time(16, 30), time(18, 0)


def test_weekly():
    rule = Recurrence("weekly", date(2026, 3, 1), date(2026, 3, 15), (2, 0))
    assert rule.weekdays == (0, 2)
    assert occurrence_dates(rule, None) == [
        date(2026, 3, 2),
        date(2026, 3, 4),
        date(2026, 3, 9),
        date(2026, 3, 11),
    ]


def test_once():
    rule = Recurrence("once", date(2026, 4, 1), date(2026, 4, 1))
    assert occurrence_dates(rule, None) == [date(2026, 4, 1)]


def test_school_days_skip_holidays_and_include_tiaoxiu():
    rule = Recurrence("school_days", date(2026, 4, 27), date(2026, 5, 10))
    days = occurrence_dates(rule, CAL)
    assert date(2026, 5, 1) not in days and date(2026, 5, 9) in days
    # Apr 27-30, then 劳动节 May 1-5, then May 6-8 and the 调休 Saturday May 9.
    assert days == [date(2026, 4, d) for d in (27, 28, 29, 30)] + [
        date(2026, 5, d) for d in (6, 7, 8, 9)
    ]
    filtered = occurrence_dates(
        Recurrence("school_days", date(2026, 4, 27), date(2026, 5, 10), (0,)), CAL
    )
    assert filtered == [date(2026, 4, 27)]


def test_school_days_need_calendar_and_confirmation():
    rule = Recurrence("school_days", date(2026, 3, 2), date(2026, 3, 6))
    with pytest.raises(RecurrenceError):
        occurrence_dates(rule, None)
    late = Recurrence("school_days", date(2026, 7, 1), date(2026, 7, 31))
    with pytest.raises(CalendarNotConfirmed):
        occurrence_dates(late, CAL)


@pytest.mark.parametrize(
    "args",
    [
        ("monthly", date(2026, 3, 1), date(2026, 3, 2), ()),
        ("weekly", date(2026, 3, 1), date(2026, 3, 2), ()),
        ("weekly", date(2026, 3, 1), date(2026, 3, 2), (7,)),
        ("weekly", date(2026, 3, 5), date(2026, 3, 2), (1,)),
        ("once", date(2026, 3, 1), date(2026, 3, 1), (1,)),
        ("weekly", date(2026, 3, 1), date(2029, 3, 1), (1,)),
    ],
)
def test_invalid_rules(args):
    with pytest.raises(RecurrenceError) as info:
        Recurrence(*args)
    assert info.value.message and info.value.message_en


def test_from_record():
    rule = recurrence_from_record(
        {"kind": "weekly", "start_date": "2026-03-02", "end_date": "2026-03-31", "weekdays": [5]}
    )
    assert rule == Recurrence("weekly", date(2026, 3, 2), date(2026, 3, 31), (5,))
    with pytest.raises(RecurrenceError):
        recurrence_from_record({"kind": "once", "start_date": "soon"})


def shift(i, d, s=T1630, e=T1800, hist=False, cancelled=False):
    return ExistingShift(i, d, s, e, hist, cancelled)


D1, D2, D3 = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)


def test_first_generation_creates_all():
    plan = plan_shift_sync([(D1, T1630, T1800), (D2, T1630, T1800)], [])
    assert plan == ShiftSync(create=[(D1, T1630, T1800), (D2, T1630, T1800)], keep=[], cancel=[])


def test_no_longer_desired_without_history_cancelled_with_history_kept():
    plan = plan_shift_sync(
        [(D1, T1630, T1800)], [shift(1, D1), shift(2, D2), shift(3, D3, hist=True)]
    )
    assert plan.create == [] and plan.cancel == [2] and plan.keep == [1, 3]


def test_hand_cancelled_shift_stays_cancelled():
    plan = plan_shift_sync([(D1, T1630, T1800)], [shift(1, D1, hist=True, cancelled=True)])
    assert plan.is_noop and plan.keep == [1]


def test_auto_cancelled_shift_wanted_again_is_recreated():
    plan = plan_shift_sync([(D1, T1630, T1800)], [shift(1, D1, cancelled=True)])
    assert plan.create == [(D1, T1630, T1800)] and plan.keep == [1] and plan.cancel == []


def test_hand_moved_shift_covers_its_date():
    moved = shift(1, D1, time(17, 0), time(18, 30), hist=True)
    plan = plan_shift_sync([(D1, T1630, T1800)], [moved])
    assert plan.is_noop


def test_time_change_replaces_shifts_without_history():
    plan = plan_shift_sync([(D1, time(17, 0), time(18, 30))], [shift(1, D1)])
    assert plan.create == [(D1, time(17, 0), time(18, 30))] and plan.cancel == [1]


def test_duplicates_collapse():
    plan = plan_shift_sync([(D1, T1630, T1800)] * 2, [shift(1, D1), shift(2, D1)])
    assert plan.create == [] and plan.keep == [1] and plan.cancel == [2]


# --- properties -------------------------------------------------------------------------------

DATES = st.dates(date(2026, 3, 2), date(2026, 3, 8))
TIMES = st.sampled_from([(time(9, 0), time(10, 0)), (T1630, T1800), (time(19, 0), time(20, 30))])
SLOTS = st.builds(lambda d, t: (d, t[0], t[1]), DATES, TIMES)


@st.composite
def existing_shifts(draw):
    items = draw(st.lists(st.tuples(SLOTS, st.booleans(), st.booleans()), max_size=12))
    return [ExistingShift(i + 1, s[0], s[1], s[2], h, c) for i, (s, h, c) in enumerate(items)]


def apply(plan: ShiftSync, existing: list[ExistingShift]) -> list[ExistingShift]:
    """What the API does with a plan: cancel, then insert new rows without history."""
    out = [
        ExistingShift(
            s.id, s.date, s.start, s.end, s.has_history, s.cancelled or s.id in plan.cancel
        )
        for s in existing
    ]
    next_id = max((s.id for s in existing), default=0) + 1
    for i, (d, a, b) in enumerate(plan.create):
        out.append(ExistingShift(next_id + i, d, a, b, False, False))
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(SLOTS, max_size=10), existing_shifts())
def test_sync_is_idempotent_and_safe(desired, existing):
    plan = plan_shift_sync(desired, existing)
    ids = {s.id for s in existing}
    assert set(plan.keep) | set(plan.cancel) == ids
    assert not set(plan.keep) & set(plan.cancel)
    history = {s.id for s in existing if s.has_history}
    assert not history & set(plan.cancel)
    assert not {s.id for s in existing if s.cancelled} & set(plan.cancel)
    after = apply(plan, existing)
    again = plan_shift_sync(desired, after)
    assert again.is_noop
    # Every desired slot is covered by a live shift with its times or by a history shift that day.
    live = {(s.date, s.start, s.end) for s in after if not s.cancelled}
    history_days = {s.date for s in after if s.has_history}
    for slot in desired:
        assert slot in live or slot[0] in history_days
    # No duplicate live shifts created.
    assert len(plan.create) == len(set(plan.create))
    created_live = [(d, a, b) for d, a, b in plan.create]
    assert not set(created_live) & {(s.date, s.start, s.end) for s in existing if not s.cancelled}
