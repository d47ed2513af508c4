"""The forecast of a level (单篇平均点赞, 复购率: `accumulates` off).

Found on the demo's company dashboard: a level without a baseline was anchored at 0 on the period's
first day like a running total, so 495 → 555 likes a post over four weeks "forecast" about 900 at
the quarter's end (180% of the target) instead of continuing its own trend.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lodestar.testing.factories import GoalFactory, MeasureFactory, PeriodFactory
from lodestar.tracking.services import measure_forecast

pytestmark = pytest.mark.django_db

QUARTER = (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
WEEKS = [dt.date(2026, 11, 8), dt.date(2026, 11, 15), dt.date(2026, 11, 22), dt.date(2026, 11, 29)]


def _measure(**fields):
    goal = GoalFactory(period=PeriodFactory(start=QUARTER[0], end=QUARTER[1]))
    return MeasureFactory(goal=goal, name="单篇平均点赞", target=Decimal(500), **fields)


def test_a_level_without_a_baseline_follows_its_own_trend():
    likes = _measure(accumulates=False)
    series = [(day, Decimal(495 + 20 * n)) for n, day in enumerate(WEEKS)]
    forecast = measure_forecast(likes, series)
    # +20 a week from 555 on 29 November: 555 + 20 × 32/7 = 646.4 on 31 December.
    assert abs(forecast.expected - Decimal("646.43")) < Decimal("0.01")
    one = measure_forecast(likes, series[:1])
    assert one.expected == Decimal(495)  # one level, no trend: held where it stands


def test_a_level_with_a_baseline_and_an_amount_start_from_their_opening_value():
    rate = _measure(accumulates=False, baseline=Decimal(400))
    # Anchored at 400 on 1 October, then 500 on 29 November: the trend runs through both.
    slope = Decimal(100) / Decimal(59)
    expected = Decimal(500) + slope * 32
    assert abs(measure_forecast(rate, [(WEEKS[-1], Decimal(500))]).expected - expected) < Decimal("0.01")
    amount = _measure(accumulates=True)  # a running total starts the period at 0
    assert measure_forecast(amount, [(WEEKS[-1], Decimal(590))]).expected == Decimal(590) / 59 * 91
