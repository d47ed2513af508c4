"""The pure rules of source data (lodestar/metrics/domain.py; DOMAIN.md §3 数据真实性)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lodestar.metrics import domain

amounts = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2, allow_nan=False)
positive = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2)
tolerances = st.decimals(min_value=Decimal(0), max_value=Decimal(1), places=4)


def test_difference_rate_examples():
    assert domain.difference_rate(Decimal(108), Decimal(100)) == Decimal("0.08")
    assert domain.difference_rate(Decimal(97), Decimal(100)) == Decimal("-0.03")
    assert domain.difference_rate(Decimal(0), Decimal(0)) == 0
    assert domain.difference_rate(Decimal(5), Decimal(0)) is None


def test_flag_examples():
    tolerance = Decimal("0.05")
    assert domain.is_discrepancy(Decimal("0.08"), tolerance)
    assert domain.is_discrepancy(Decimal("-0.08"), tolerance)
    assert not domain.is_discrepancy(Decimal("0.03"), tolerance)
    assert not domain.is_discrepancy(Decimal("0.05"), tolerance)  # at the tolerance: not beyond it
    assert domain.is_discrepancy(None, tolerance)  # something reported against a source of 0


@given(reported=amounts, source=positive)
def test_rate_sign_and_scale(reported, source):
    rate = domain.difference_rate(reported, source)
    assert rate is not None
    assert (rate > 0) == (reported > source) and (rate == 0) == (reported == source)
    assert rate * source + source == pytest.approx(reported)  # (r − s)/s × s + s = r


@given(source=positive, tolerance=tolerances)
def test_equal_figures_are_never_flagged(source, tolerance):
    assert not domain.is_discrepancy(domain.difference_rate(source, source), tolerance)


@given(reported=amounts, source=positive, tolerance=tolerances)
def test_flag_is_symmetric_in_the_sign(reported, source, tolerance):
    rate = domain.difference_rate(reported, source)
    assert domain.is_discrepancy(rate, tolerance) == domain.is_discrepancy(-rate, tolerance)
    assert domain.is_discrepancy(rate, tolerance) == (abs(reported - source) > tolerance * source)


@given(values=st.lists(positive, min_size=1, max_size=31))
def test_aggregate_sum_and_mean(values):
    total = domain.aggregate(values, "sum")
    assert total == sum(values)
    mean = domain.aggregate(values, "mean")
    assert min(values) <= mean <= max(values)


def test_aggregate_of_nothing_is_none():
    assert domain.aggregate([], "sum") is None


def test_day_totals_channels_add_up_and_an_overall_point_wins():
    d1, d2 = dt.date(2031, 7, 1), dt.date(2031, 7, 2)
    points = [(d1, 1, Decimal(10)), (d1, 2, Decimal(5)), (d2, 1, Decimal(3)), (d2, None, Decimal(9))]
    assert domain.day_totals(points) == {d1: Decimal(15), d2: Decimal(9)}


@given(first=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 1, 1)), days=st.integers(0, 100))
def test_week_periods_cover_the_range_with_iso_weeks(first, days):
    last = first + dt.timedelta(days=days)
    weeks = domain.week_periods(first, last)
    assert weeks[0][0] <= first and weeks[-1][1] >= last
    for start, end in weeks:
        assert start.weekday() == 0 and (end - start).days == 6
    for (_s1, e1), (s2, _e2) in itertools.pairwise(weeks):
        assert s2 == e1 + dt.timedelta(days=1)
