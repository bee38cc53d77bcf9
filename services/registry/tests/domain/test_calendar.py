"""School-day calendar: official days, 调休, region overrides, terms, breaks, refusals."""

from datetime import date

import pytest

from registry.domain.calendar import (
    CalendarNotConfirmed,
    CalendarOverrides,
    RegionCalendar,
    calendar_from_record,
    is_school_day,
    official_dates,
    official_years,
    school_days,
)

SPRING = (date(2026, 3, 2), date(2026, 7, 10))
AUTUMN = (date(2026, 9, 1), date(2027, 1, 22))
WINTER_2026 = (date(2026, 1, 24), date(2026, 3, 1))
SUMMER = (date(2026, 7, 11), date(2026, 8, 31))


def make_cal(**kw) -> RegionCalendar:
    base = dict(
        region="jiangxi-shangyou",
        terms=(SPRING, AUTUMN),
        breaks=(WINTER_2026, SUMMER),
    )
    base.update(kw)
    return RegionCalendar(**base)


def test_official_years_cover_2026_not_2027():
    years = official_years()
    assert 2004 in years and 2026 in years and 2027 not in years


def test_spring_festival_2026_is_no_school_even_inside_a_term():
    cal = make_cal(terms=((date(2026, 2, 9), date(2026, 2, 27)),), breaks=())
    days = school_days(date(2026, 2, 9), date(2026, 2, 27), cal)
    assert date(2026, 2, 13) in days  # Friday before the holiday
    for d in range(15, 24):
        assert date(2026, 2, d) not in days  # 春节 2026-02-15 .. 02-23
    assert date(2026, 2, 24) in days


def test_tiaoxiu_saturday_is_a_school_day():
    cal = make_cal()
    # 2026-05-09 is a Saturday made a working day for the Labour Day holiday (调休).
    assert date(2026, 5, 9).weekday() == 5
    assert is_school_day(date(2026, 5, 9), cal)
    assert not is_school_day(date(2026, 5, 16), cal)  # an ordinary Saturday
    assert not is_school_day(date(2026, 5, 1), cal)  # 劳动节
    assert not is_school_day(date(2026, 4, 6), cal)  # 清明 (a Monday in lieu)


def test_2027_refused_with_a_message_naming_what_to_load():
    cal = make_cal()
    with pytest.raises(CalendarNotConfirmed) as info:
        school_days(date(2026, 12, 28), date(2027, 1, 8), cal)
    err = info.value
    assert err.years == (2027,)
    assert err.message == (
        "2027 年的法定节假日和调休安排尚未确认：请先导入国务院公布的 2027 年放假安排"
        "（节假日与调休上班日），或由协调员确认该年度日历"
    )
    assert "2027" in err.message_en and "State Council" in err.message_en
    assert err.message_for("en") == err.message_en


def test_confirmed_year_uses_region_lists():
    cal = make_cal(
        confirmed_years=frozenset({2027}),
        holidays=frozenset({date(2027, 1, 1)}),
        workdays=frozenset({date(2027, 1, 16)}),  # a Saturday
    )
    days = school_days(date(2027, 1, 1), date(2027, 1, 17), cal)
    assert date(2027, 1, 1) not in days
    assert date(2027, 1, 4) in days
    assert date(2027, 1, 16) in days
    assert date(2027, 1, 17) not in days


def test_region_overrides_both_ways():
    cal = make_cal(
        holidays=frozenset({date(2026, 3, 10)}),  # a Tuesday: local day off
        workdays=frozenset({date(2026, 3, 14)}),  # a Saturday: local make-up day
    )
    assert not is_school_day(date(2026, 3, 10), cal)
    assert is_school_day(date(2026, 3, 14), cal)
    assert is_school_day(date(2026, 3, 11), cal)


def test_breaks_and_gaps_between_terms_are_not_school_days():
    cal = make_cal(breaks=(WINTER_2026, SUMMER, (date(2026, 4, 13), date(2026, 4, 17))))
    assert not is_school_day(date(2026, 4, 14), cal)  # mid-term break
    assert not is_school_day(date(2026, 7, 14), cal)  # summer break
    days = school_days(date(2026, 6, 29), date(2026, 9, 4), cal)
    assert days[0] == date(2026, 6, 29)
    assert date(2026, 7, 10) in days and date(2026, 7, 13) not in days
    assert date(2026, 9, 1) in days


def test_unlisted_gap_inside_known_span_is_not_school():
    cal = make_cal(breaks=())
    assert not is_school_day(date(2026, 8, 3), cal)


def test_no_term_data_refused_naming_term_dates():
    cal = RegionCalendar(region="jiangxi-shangyou")
    with pytest.raises(CalendarNotConfirmed) as info:
        school_days(date(2026, 3, 2), date(2026, 3, 6), cal)
    assert "学期起止日期" in info.value.message
    assert info.value.missing_terms == ((date(2026, 3, 2), date(2026, 3, 6)),)
    assert info.value.years == ()


def test_range_beyond_entered_terms_refused():
    cal = make_cal(terms=(SPRING,), breaks=())
    with pytest.raises(CalendarNotConfirmed) as info:
        school_days(date(2026, 7, 1), date(2026, 7, 20), cal)
    assert info.value.missing_terms == ((date(2026, 7, 11), date(2026, 7, 20)),)
    assert "寒暑假" in info.value.message


def test_break_in_unconfirmed_year_needs_no_official_dates():
    cal = make_cal(breaks=(SUMMER, (date(2027, 1, 23), date(2027, 2, 28))))
    assert school_days(date(2027, 1, 25), date(2027, 2, 5), cal) == []


def test_overrides_apply_and_record_shape():
    cal = make_cal()
    edited = CalendarOverrides(
        add_holidays=frozenset({date(2026, 3, 3)}), confirm_years=frozenset({2027})
    ).apply(cal)
    assert not is_school_day(date(2026, 3, 3), edited)
    assert 2027 in edited.confirmed_years
    rec = calendar_from_record(
        {
            "region": "r",
            "holidays": ["2026-03-03"],
            "workdays": [],
            "terms": [{"name": "春季学期", "start": "2026-03-02", "end": "2026-07-10"}],
            "breaks": [],
            "confirmed_years": [],
        }
    )
    assert rec.terms == (SPRING,) and date(2026, 3, 3) in rec.holidays


def test_official_dates_prefill():
    hol, work = official_dates(2026)
    assert date(2026, 2, 17) in hol and date(2026, 5, 9) in work
    with pytest.raises(CalendarNotConfirmed):
        official_dates(2027)


def test_invalid_calendar_rejected():
    with pytest.raises(ValueError):
        RegionCalendar(region="x", terms=((date(2026, 3, 2), date(2026, 3, 1)),))
