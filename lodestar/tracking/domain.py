"""Tracking arithmetic (DOMAIN.md §3): completion, deviation, pace, health and forecasts.

Pure functions: `Decimal` in and out (floats only inside the forecast's statistics), no
Django. Rates are fractions; rounding is for display only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise

ZERO = Decimal(0)
ONE = Decimal(1)


def completion_rate(planned: Decimal | None, actual: Decimal | None) -> Decimal | None:
    """完成率 = actual / planned (template 2): 5 of 7 → 0.714…, 12 of 10 → 1.2, 75万 of 80万 → 0.9375."""
    if planned is None or actual is None or planned <= 0:
        return None
    return actual / planned


def deviation_rate(planned: Decimal | None, actual: Decimal | None) -> Decimal | None:
    """Deviation rate = (actual − planned) / planned: 50万 planned, 35万 actual → −0.30 (a gap of 30%)."""
    if planned is None or actual is None or planned <= 0:
        return None
    return (actual - planned) / planned


def gap(planned: Decimal | None, actual: Decimal | None) -> Decimal | None:
    """The shortfall as a positive share: weekly target 50万, actual 35万 → 0.30; 0 when on or above plan."""
    rate = deviation_rate(planned, actual)
    return None if rate is None else max(ZERO, -rate)


def opening_cumulative(
    *,
    previous_cumulative: Decimal | None,
    same_period: tuple[Decimal | None, Decimal | None] | None = None,
    value_before: Decimal | None = None,
    other_checkins: bool = False,
    baseline: Decimal | None = None,
) -> Decimal:
    """The cumulative a period's `actual` is added to ("今日完成小红书笔记3篇,累计完成15篇").

    - After an earlier check-in: that check-in's cumulative (`previous_cumulative`).
    - A first period reported again (a correction): the base it was computed from,
      `same_period` = (its cumulative, its actual) → cumulative − actual.
    - The first check-in of a measure or an item that already stood somewhere (the current value
      typed on the goal, an item's actual quantity entered before check-ins began): that value,
      `value_before`, so the running total continues (item at 3, first check-in 2 → 5).
      Not when other check-ins exist (a late report of an earlier period starts afresh).
    - Otherwise the baseline, or 0.
    """
    if previous_cumulative is not None:
        return previous_cumulative
    if same_period is not None and same_period[0] is not None and same_period[1] is not None:
        return same_period[0] - same_period[1]
    if value_before is not None and not other_checkins:
        return value_before
    return baseline if baseline is not None else ZERO


@dataclass(frozen=True)
class PlanPoint:
    day: dt.date
    expected_cumulative: Decimal


def even_plan(
    start: dt.date, end: dt.date, baseline: Decimal, target: Decimal, *, step_days: int = 7
) -> list[PlanPoint]:
    """A straight-line plan from baseline at `start` to target at `end`, one point per `step_days` and at the end."""
    if end < start:
        raise ValueError("end before start")
    total_days = (end - start).days or 1
    points = []
    day = start
    while day < end:
        share = Decimal((day - start).days) / Decimal(total_days)
        points.append(PlanPoint(day, baseline + (target - baseline) * share))
        day += dt.timedelta(days=step_days)
    points.append(PlanPoint(end, target))
    return points


def curve_plan(
    periods: Sequence[tuple[dt.date, dt.date, Decimal]], baseline: Decimal, target: Decimal
) -> list[PlanPoint]:
    """A plan from a decomposition curve: each (start, end, share %) adds its share by its end (Q1 20% → …)."""
    points = [PlanPoint(periods[0][0], baseline)] if periods else []
    reached = ZERO
    for _start, end, share in periods:
        reached += share
        points.append(PlanPoint(end, baseline + (target - baseline) * reached / Decimal(100)))
    return points


def expected_at(points: Sequence[PlanPoint], day: dt.date) -> Decimal | None:
    """The plan's expected cumulative value on `day`, interpolated linearly between points."""
    if not points:
        return None
    ordered = sorted(points, key=lambda p: p.day)
    if day <= ordered[0].day:
        return ordered[0].expected_cumulative
    for before, after in pairwise(ordered):
        if before.day <= day <= after.day:
            span = (after.day - before.day).days
            if span == 0:
                return after.expected_cumulative
            share = Decimal((day - before.day).days) / Decimal(span)
            return (
                before.expected_cumulative + (after.expected_cumulative - before.expected_cumulative) * share
            )
    return ordered[-1].expected_cumulative


def pace(actual: Decimal | None, expected: Decimal | None, baseline: Decimal = ZERO) -> Decimal | None:
    """Pace = progress made ÷ progress planned by today: 1.0 exactly on plan, 0.8 at 80% of plan.

    Measured from the baseline, so a metric that starts at 15% (复购率) is judged on its change.
    None before the plan expects any progress.
    """
    if actual is None or expected is None:
        return None
    planned_change = expected - baseline
    if planned_change == 0:
        return None
    return (actual - baseline) / planned_change


class Health(StrEnum):
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


@dataclass(frozen=True)
class HealthThresholds:
    """At risk below `at_risk_below` of pace, off track below `off_track_below` (configurable)."""

    at_risk_below: Decimal = ONE
    off_track_below: Decimal = Decimal("0.8")


def health(pace_value: Decimal | None, thresholds: HealthThresholds = HealthThresholds()) -> Health:
    if pace_value is None:
        return Health.NOT_STARTED
    if pace_value >= thresholds.at_risk_below:
        return Health.ON_TRACK
    if pace_value >= thresholds.off_track_below:
        return Health.AT_RISK
    return Health.OFF_TRACK


@dataclass(frozen=True)
class Forecast:
    expected: Decimal
    low: Decimal
    high: Decimal
    p_base: Decimal | None
    p_challenge: Decimal | None
    method: str


def _normal_cdf(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def forecast(
    observations: Sequence[tuple[dt.date, Decimal]],
    period_end: dt.date,
    *,
    base: Decimal | None = None,
    challenge: Decimal | None = None,
    lower_is_better: bool = False,
    z: float = 1.2816,
    start: dt.date | None = None,
) -> Forecast | None:
    """Project the cumulative value at `period_end` from the check-in history.

    Method: ordinary least squares of cumulative value on day number (a straight trend, as
    marketing cumulative series mostly are within a quarter). The expected value is the trend
    at the period end. The band is the 80% prediction interval (z = 1.2816) using the
    residual standard error and the usual leverage term
    s·√(1 + 1/n + (x₀ − x̄)² / Σ(x − x̄)²). The probability of reaching a target is
    P(Y ≥ target) under a normal with that mean and standard error (P(Y ≤ target) when lower
    is better). With one observation the trend is taken through the origin of the series
    (value/elapsed days since `start`, the period start; without `start` the value is held
    flat) and the band is empty; with none there is no forecast. A perfectly
    straight series gives zero spread, so the probability is 0 or 1.
    """
    if not observations:
        return None
    points = sorted(observations, key=lambda o: o[0])
    origin = points[0][0]
    xs = [float((day - origin).days) for day, _v in points]
    ys = [float(v) for _d, v in points]
    x_end = float((period_end - origin).days)
    n = len(points)
    if n == 1 or len(set(xs)) == 1:
        last_day, last_value = points[-1][0], ys[-1]
        elapsed = float((last_day - start).days) if start is not None else 0.0
        slope = last_value / elapsed if elapsed > 0 else 0.0
        expected = last_value + slope * float((period_end - last_day).days)
        spread = 0.0
        method = "single observation: value / elapsed days"
    else:
        mean_x, mean_y = sum(xs) / n, sum(ys) / n
        sxx = sum((x - mean_x) ** 2 for x in xs)
        slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
        intercept = mean_y - slope * mean_x
        expected = intercept + slope * x_end
        residuals = [y - (intercept + slope * x) for x, y in zip(xs, ys, strict=True)]
        s = math.sqrt(sum(r * r for r in residuals) / (n - 2)) if n > 2 else 0.0
        spread = s * math.sqrt(1 + 1 / n + (x_end - mean_x) ** 2 / sxx)
        method = "linear trend (least squares), 80% prediction interval"

    def probability(target: Decimal | None) -> Decimal | None:
        if target is None:
            return None
        t = float(target)
        if spread == 0:
            hit = expected <= t if lower_is_better else expected >= t
            return ONE if hit else ZERO
        p = (
            _normal_cdf((t - expected) / spread)
            if lower_is_better
            else 1 - _normal_cdf((t - expected) / spread)
        )
        return Decimal(str(round(p, 6)))

    to_decimal = lambda value: Decimal(str(round(value, 6)))  # noqa: E731
    return Forecast(
        expected=to_decimal(expected),
        low=to_decimal(expected - z * spread),
        high=to_decimal(expected + z * spread),
        p_base=probability(base),
        p_challenge=probability(challenge),
        method=method,
    )


def consecutive_deviation(rates: Sequence[Decimal | None], threshold: Decimal, periods: int = 2) -> bool:
    """Whether the last `periods` deviation rates all fall short by more than `threshold` (e.g. 0.2 twice running)."""
    recent = list(rates)[-periods:]
    return len(recent) == periods and all(r is not None and -r > threshold for r in recent)
