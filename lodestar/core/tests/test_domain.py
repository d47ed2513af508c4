"""The fiscal calendar rules (lodestar.core.domain.periods): pure functions, no database."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lodestar.core.domain import periods as cal

D = dt.date
ONE_DAY = dt.timedelta(days=1)

years = st.integers(min_value=1990, max_value=2100)
start_months = st.integers(min_value=1, max_value=12)
days = st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31))


def each_day(start: dt.date, end: dt.date):
    day = start
    while day <= end:
        yield day
        day += ONE_DAY


# --- unit tests ---------------------------------------------------------------------------


def test_add_months_crosses_year_boundaries_both_ways():
    assert cal.add_months(D(2024, 11, 1), 1) == D(2024, 12, 1)
    assert cal.add_months(D(2024, 12, 1), 1) == D(2025, 1, 1)
    assert cal.add_months(D(2024, 4, 1), 12) == D(2025, 4, 1)
    assert cal.add_months(D(2024, 1, 1), -1) == D(2023, 12, 1)
    assert cal.add_months(D(2024, 3, 1), 0) == D(2024, 3, 1)
    assert cal.add_months(D(2024, 1, 1), 25) == D(2026, 2, 1)


def test_calendar_fiscal_year_by_default():
    span = cal.fiscal_year_span(2024)
    assert (span.kind, span.key, span.start, span.end, span.index) == (
        "year",
        "FY2024",
        D(2024, 1, 1),
        D(2024, 12, 31),
        1,
    )


def test_fiscal_year_starting_in_april_is_named_after_its_start_year():
    span = cal.fiscal_year_span(2024, 4)
    assert (span.start, span.end) == (D(2024, 4, 1), D(2025, 3, 31))
    assert span.key == "FY2024"


def test_fiscal_year_with_leap_february_inside():
    span = cal.fiscal_year_span(2023, 3)
    assert (span.start, span.end) == (D(2023, 3, 1), D(2024, 2, 29))
    assert (span.end - span.start).days + 1 == 366


@pytest.mark.parametrize("bad", [0, 13, -1, 100])
def test_start_month_out_of_range_is_refused(bad):
    with pytest.raises(ValueError):
        cal.fiscal_year_span(2024, bad)
    with pytest.raises(ValueError):
        cal.fiscal_quarters(2024, bad)
    with pytest.raises(ValueError):
        cal.fiscal_months(2024, bad)
    with pytest.raises(ValueError):
        cal.iso_weeks_of_fiscal_year(2024, bad)


def test_quarters_of_an_april_year():
    quarters = cal.fiscal_quarters(2024, 4)
    assert [(q.key, q.start, q.end, q.index) for q in quarters] == [
        ("FY2024-Q1", D(2024, 4, 1), D(2024, 6, 30), 1),
        ("FY2024-Q2", D(2024, 7, 1), D(2024, 9, 30), 2),
        ("FY2024-Q3", D(2024, 10, 1), D(2024, 12, 31), 3),
        ("FY2024-Q4", D(2025, 1, 1), D(2025, 3, 31), 4),
    ]
    assert all(q.kind == "quarter" for q in quarters)


def test_months_of_an_april_year():
    months = cal.fiscal_months(2024, 4)
    assert len(months) == 12
    assert (months[0].key, months[0].start, months[0].end, months[0].index) == (
        "FY2024-M01",
        D(2024, 4, 1),
        D(2024, 4, 30),
        1,
    )
    assert (months[10].key, months[10].start, months[10].end) == ("FY2024-M11", D(2025, 2, 1), D(2025, 2, 28))
    assert (months[11].key, months[11].start, months[11].end, months[11].index) == (
        "FY2024-M12",
        D(2025, 3, 1),
        D(2025, 3, 31),
        12,
    )


def test_weeks_of_calendar_2024():
    weeks = cal.iso_weeks_of_fiscal_year(2024)
    # 2024-01-01 is a Monday: week 1 starts on it; 2024-12-30 (Monday) starts 2025-W01,
    # whose Thursday (2025-01-02) lies in 2025, so 2024 has 52 weeks.
    assert len(weeks) == 52
    assert (weeks[0].key, weeks[0].start, weeks[0].end, weeks[0].index) == (
        "2024-W01",
        D(2024, 1, 1),
        D(2024, 1, 7),
        1,
    )
    assert (weeks[-1].key, weeks[-1].start, weeks[-1].end) == ("2024-W52", D(2024, 12, 23), D(2024, 12, 29))
    assert all(w.kind == "week" for w in weeks)


def test_week_is_assigned_to_the_year_of_its_thursday():
    # 2020-12-28 .. 2021-01-03 has its Thursday on 2020-12-31: ISO week 2020-W53.
    weeks_2020 = cal.iso_weeks_of_fiscal_year(2020)
    weeks_2021 = cal.iso_weeks_of_fiscal_year(2021)
    assert weeks_2020[-1].key == "2020-W53"
    assert weeks_2020[-1].start == D(2020, 12, 28)
    assert len(weeks_2020) == 53
    assert weeks_2021[0].key == "2021-W01"
    assert weeks_2021[0].start == D(2021, 1, 4)
    assert all(w.start != D(2020, 12, 28) for w in weeks_2021)


def test_weeks_of_a_fiscal_year_starting_in_april():
    weeks = cal.iso_weeks_of_fiscal_year(2024, 4)
    # 2024-04-01 is a Monday; the last Thursday before 2025-04-01 is 2025-03-27.
    assert weeks[0].start == D(2024, 4, 1)
    assert weeks[0].key == "2024-W14"
    assert weeks[-1].start == D(2025, 3, 24)
    assert weeks[-1].key == "2025-W13"
    assert weeks[-1].index == 13


def test_fiscal_year_of():
    assert cal.fiscal_year_of(D(2024, 3, 31), 4) == 2023
    assert cal.fiscal_year_of(D(2024, 4, 1), 4) == 2024
    assert cal.fiscal_year_of(D(2024, 12, 31), 1) == 2024
    assert cal.fiscal_year_of(D(2025, 1, 1), 1) == 2025
    assert cal.fiscal_year_of(D(2025, 11, 30), 12) == 2024
    assert cal.fiscal_year_of(D(2025, 12, 1), 12) == 2025


def test_span_contains_is_inclusive():
    assert cal.span_contains(D(2024, 1, 1), D(2024, 12, 31), D(2024, 1, 1), D(2024, 12, 31))
    assert cal.span_contains(D(2024, 1, 1), D(2024, 12, 31), D(2024, 5, 1), D(2024, 5, 1))
    assert not cal.span_contains(D(2024, 1, 1), D(2024, 12, 31), D(2023, 12, 31), D(2024, 1, 5))
    assert not cal.span_contains(D(2024, 1, 1), D(2024, 12, 31), D(2024, 12, 1), D(2025, 1, 1))


def test_period_spans_are_immutable():
    span = cal.fiscal_year_span(2024)
    with pytest.raises(AttributeError):
        span.start = D(2000, 1, 1)  # type: ignore[misc]


# --- properties ----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(year=years, start_month=start_months)
def test_every_day_of_a_year_is_in_exactly_one_quarter_and_one_month(year, start_month):
    span = cal.fiscal_year_span(year, start_month)
    quarters = cal.fiscal_quarters(year, start_month)
    months = cal.fiscal_months(year, start_month)
    for day in each_day(span.start, span.end):
        assert sum(1 for q in quarters if q.start <= day <= q.end) == 1
        assert sum(1 for m in months if m.start <= day <= m.end) == 1
    # Nothing outside the year is covered.
    for outside in (span.start - ONE_DAY, span.end + ONE_DAY):
        assert not any(q.start <= outside <= q.end for q in quarters)
        assert not any(m.start <= outside <= m.end for m in months)


@settings(max_examples=200, deadline=None)
@given(year=years, start_month=start_months)
def test_quarters_and_months_tile_the_year(year, start_month):
    span = cal.fiscal_year_span(year, start_month)
    assert span.start == D(year, start_month, 1)
    assert 365 <= (span.end - span.start).days + 1 <= 366
    assert span.end + ONE_DAY == cal.fiscal_year_span(year + 1, start_month).start
    for parts, count in (
        (cal.fiscal_quarters(year, start_month), 4),
        (cal.fiscal_months(year, start_month), 12),
    ):
        assert len(parts) == count
        assert [p.index for p in parts] == list(range(1, count + 1))
        assert parts[0].start == span.start
        assert parts[-1].end == span.end
        for before, after in pairwise(parts):
            assert before.end + ONE_DAY == after.start
        for part in parts:
            assert part.start.day == 1
            assert (part.end + ONE_DAY).day == 1
        assert len({p.key for p in parts}) == count
    # Each quarter is made of exactly three whole months.
    months = cal.fiscal_months(year, start_month)
    for q, quarter in enumerate(cal.fiscal_quarters(year, start_month)):
        inside = months[3 * q : 3 * q + 3]
        assert (inside[0].start, inside[-1].end) == (quarter.start, quarter.end)


@settings(max_examples=200, deadline=None)
@given(year=years, start_month=start_months)
def test_weeks_are_seven_contiguous_non_overlapping_days_with_thursday_inside(year, start_month):
    span = cal.fiscal_year_span(year, start_month)
    weeks = cal.iso_weeks_of_fiscal_year(year, start_month)
    assert 52 <= len(weeks) <= 53
    for week in weeks:
        assert week.start.weekday() == 0  # Monday
        assert (week.end - week.start).days == 6
        thursday = week.start + dt.timedelta(days=3)
        assert span.start <= thursday <= span.end
        iso_year, iso_week, _ = thursday.isocalendar()
        assert week.index == iso_week
        assert week.key == f"{iso_year}-W{iso_week:02d}"
    for before, after in pairwise(weeks):
        assert before.end + ONE_DAY == after.start
    assert len({w.key for w in weeks}) == len(weeks)
    # No week whose Thursday is in the year is missing at either end.
    assert weeks[0].start - dt.timedelta(days=4) < span.start
    assert weeks[-1].end - dt.timedelta(days=3) + dt.timedelta(days=7) > span.end


@settings(max_examples=100, deadline=None)
@given(year=years, start_month=start_months)
def test_consecutive_fiscal_years_share_no_week_and_leave_no_gap(year, start_month):
    this_year = cal.iso_weeks_of_fiscal_year(year, start_month)
    next_year = cal.iso_weeks_of_fiscal_year(year + 1, start_month)
    assert this_year[-1].end + ONE_DAY == next_year[0].start
    assert not {w.key for w in this_year} & {w.key for w in next_year}


@settings(max_examples=300, deadline=None)
@given(day=days, start_month=start_months)
def test_fiscal_year_of_agrees_with_fiscal_year_span(day, start_month):
    year = cal.fiscal_year_of(day, start_month)
    span = cal.fiscal_year_span(year, start_month)
    assert span.start <= day <= span.end
    # ...and the neighbouring years do not contain it.
    assert not cal.fiscal_year_span(year - 1, start_month).end >= day
    assert not cal.fiscal_year_span(year + 1, start_month).start <= day


@settings(max_examples=200, deadline=None)
@given(day=days, start_month=start_months)
def test_every_day_belongs_to_exactly_one_week_of_some_fiscal_year(day, start_month):
    year = cal.fiscal_year_of(day, start_month)
    candidates = [
        w
        for y in (year - 1, year, year + 1)
        for w in cal.iso_weeks_of_fiscal_year(y, start_month)
        if w.start <= day <= w.end
    ]
    assert len(candidates) == 1
    assert candidates[0].start == day - dt.timedelta(days=day.weekday())


@settings(max_examples=100, deadline=None)
@given(year=years, start_month=start_months, offset=st.integers(min_value=-500, max_value=500))
def test_add_months_is_additive(year, start_month, offset):
    first = D(year, start_month, 1)
    moved = cal.add_months(first, offset)
    assert moved.day == 1
    assert (moved.year * 12 + moved.month) - (first.year * 12 + first.month) == offset
    assert cal.add_months(moved, -offset) == first
