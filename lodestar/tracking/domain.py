"""Tracking arithmetic (DOMAIN.md §3): completion, deviation, pace, health and forecasts.

Pure functions: `Decimal` in and out (floats only inside the forecast's statistics), no
Django. Rates are fractions; rounding is for display only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from itertools import pairwise

# Plans, their interpolation and health have one home (goals.domain), shared with the stored roll-up.
# `linear_share_to_date` is read through this module by the alert rules (alerts.conditions).
from lodestar.goals.domain import (
    Health,
    PlanPoint,
    expected_at,
    health_from_pace,
)
from lodestar.goals.domain import (
    linear_share_to_date as linear_share_to_date,
)

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


def even_plan(
    start: dt.date, end: dt.date, baseline: Decimal, target: Decimal, *, step_days: int = 7
) -> list[PlanPoint]:
    """A straight-line plan from baseline to target over the period, one point per `step_days` and at
    the end; each point is what is due by the end of its day (`linear_share_to_date`: day 4 of 31 →
    4/31), the same line goal health and alert rules use when a measure has no plan."""
    if end < start:
        raise ValueError("end before start")
    # `linear_share_to_date(start, end, day)` for each day before the end, spelled out: day k (k ≥ 1) of
    # the period's `days` is k/days, never clamped there (a dashboard draws 25 measures' plans a request).
    days = Decimal((end - start).days + 1)
    rise = target - baseline
    points = [
        PlanPoint(start + dt.timedelta(days=offset), baseline + rise * (Decimal(offset + 1) / days))
        for offset in range(0, (end - start).days, step_days)
    ]
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


def whole_steps(total: Decimal, exact: Sequence[Decimal]) -> list[Decimal]:
    """Whole steps as close as can be to `exact` ones that add up to `total` (largest remainder).

    A countable plan (篇, 场, 人) is made of whole steps: 50篇 over 13 even weeks is 3.846…篇 a week;
    each step gets the whole part of its exact amount, and the pieces left over go one each to the
    steps with the largest remainders (earlier steps first on a tie), so 11 weeks of 4篇 and 2 of 3篇
    … add up to exactly 50. Each step is the exact one rounded down or up. When `total` is not
    whole (50.5篇) its fraction rides on the last step. Negative totals (a count that should fall:
    complaints 40 → 10) are split as their size and the signs put back.
    """
    if not exact:
        return []
    if total < 0:
        return [-step for step in whole_steps(-total, [-value for value in exact])]
    whole_total = total.to_integral_value(rounding=ROUND_FLOOR)
    scale = sum(exact, ZERO)
    # The exact steps scaled to the whole total (they add up to it), then apportioned.
    quotas = [value * whole_total / scale for value in exact] if scale > 0 else [ZERO] * len(exact)
    if scale <= 0:
        quotas[-1] = whole_total
    steps = [max(q.to_integral_value(rounding=ROUND_FLOOR), ZERO) for q in quotas]
    left = int(whole_total - sum(steps, ZERO))
    by_remainder = sorted(range(len(steps)), key=lambda i: (-(quotas[i] - steps[i]), i))
    for index in by_remainder[: max(left, 0)]:
        steps[index] += ONE
    steps[-1] += total - whole_total
    return steps


def whole_plan(points: Sequence[PlanPoint], baseline: Decimal) -> list[PlanPoint]:
    """A generated plan of a countable measure in whole numbers (`goals.domain.countable`).

    The plan's steps (what each point adds to the one before, the first to the baseline) become
    `whole_steps`, so every point is the baseline plus whole things and the last one is still the
    target: 50篇 over a quarter plans 4, 8, 12 … 50, not 3.85, 7.69 …
    """
    if not points:
        return []
    ordered = sorted(points, key=lambda p: p.day)
    values = [baseline, *(p.expected_cumulative for p in ordered)]
    exact = [after - before for before, after in pairwise(values)]
    steps = whole_steps(values[-1] - baseline, exact)
    result, reached = [], baseline
    for point, step in zip(ordered, steps, strict=True):
        reached += step
        result.append(PlanPoint(point.day, reached))
    return result


def level_plan(start: dt.date, end: dt.date, target: Decimal) -> list[PlanPoint]:
    """The plan of a level without a baseline (`goals.domain.planned_as_level`: 转化率, 客单价): the
    target level from the first day of the period to its last, not a ramp from 0."""
    if end < start:
        raise ValueError("end before start")
    return [PlanPoint(start, target), PlanPoint(end, target)]


def planned_between(
    plan: Sequence[PlanPoint], first: dt.date, last: dt.date, *, whole: bool = False
) -> Decimal | None:
    """The plan's amount for the days `first`..`last` (a week of the report): the expected cumulative
    at the end of `last` minus at the end of the day before `first`, so that consecutive weeks add up.

    `whole` (a countable measure): both cumulatives are rounded half up to whole numbers first, so a
    week's amount is whole (no 3.85篇) and the weeks still add up to the plan's total, each the
    exact amount rounded down or up.
    """
    end = expected_at(plan, last)
    before = expected_at(plan, first - dt.timedelta(days=1))
    if end is None or before is None:
        return None
    if whole:
        end, before = (value.to_integral_value(rounding=ROUND_HALF_UP) for value in (end, before))
    return end - before


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


@dataclass(frozen=True)
class HealthThresholds:
    """At risk below `at_risk_below` of pace, off track below `off_track_below` (configurable)."""

    at_risk_below: Decimal = ONE
    off_track_below: Decimal = Decimal("0.8")


def health(pace_value: Decimal | None, thresholds: HealthThresholds = HealthThresholds()) -> Health:
    """A measure's health from its pace: the same rule as a goal's stored health
    (`goals.domain.health_from_pace`), so a measure row and its goal never disagree on the word."""
    return health_from_pace(
        pace_value, at_risk_below=thresholds.at_risk_below, off_track_below=thresholds.off_track_below
    )


@dataclass(frozen=True)
class Forecast:
    expected: Decimal
    low: Decimal
    high: Decimal
    p_base: Decimal | None
    p_challenge: Decimal | None
    method: str
    prior_used: bool = False  # fewer than three check-ins: the spread and probabilities lean on a prior


def _normal_cdf(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


FEW_CHECKINS = 3  # below this, a forecast leans on a prior (DOMAIN.md: forecasts with few points)
PRIOR_SHARE = 0.25  # the prior's standard error: a quarter of the projected value (or of the target)
FEW_BOUNDS = (0.06, 0.94)  # fewer than three check-ins: strictly between 5% and 95%
MANY_BOUNDS = (0.01, 0.99)  # a statistical trend never claims certainty either


def forecast(
    observations: Sequence[tuple[dt.date, Decimal]],
    period_end: dt.date,
    *,
    base: Decimal | None = None,
    challenge: Decimal | None = None,
    lower_is_better: bool = False,
    direction: str | None = None,
    range_max: Decimal | None = None,
    z: float = 1.2816,
    start: dt.date | None = None,
    checkins: int | None = None,
    cumulative: bool = False,
) -> Forecast | None:
    """Project the cumulative value at `period_end` from the check-in history.

    Method: ordinary least squares of cumulative value on day number (a straight trend, as
    marketing cumulative series mostly are within a quarter). The expected value is the trend
    at the period end. The band is the 80% prediction interval (z = 1.2816) using the
    residual standard error and the usual leverage term
    s·√(1 + 1/n + (x₀ − x̄)² / Σ(x − x̄)²). The probability of reaching a target is
    P(Y ≥ target) under a normal with that mean and standard error (P(Y ≤ target) when lower
    is better; P(target ≤ Y ≤ range_max) for a range, whose target is its lower bound). With one
    observation the trend is taken through the origin of the series (value/elapsed days since
    `start`, the period start; without `start` the value is held flat); with none there is no
    forecast.

    Honest about little data (DOMAIN.md): with fewer than three check-ins (`checkins`, the real
    ones, without an anchor the caller added) the standard error is at least a prior of 25% of
    the projected value (of the target when that is 0), so the band never collapses to a point,
    and the probability stays within 6%–94%; with more it stays within 1%–99%. It is exactly 0 or
    1 only when the outcome is decided: the period's last value is in, or a `cumulative` series
    (a running total that has never gone down) already stands at or past the target.
    """
    if not observations:
        return None
    direction = direction or ("lower" if lower_is_better else "higher")
    points = sorted(observations, key=lambda o: o[0])
    origin = points[0][0]
    xs = [float((day - origin).days) for day, _v in points]
    ys = [float(v) for _d, v in points]
    x_end = float((period_end - origin).days)
    n = len(points)
    real = n if checkins is None else checkins
    last_day, last_value = points[-1][0], points[-1][1]
    if n == 1 or len(set(xs)) == 1:
        elapsed = float((last_day - start).days) if start is not None else 0.0
        slope = ys[-1] / elapsed if elapsed > 0 else 0.0
        expected = ys[-1] + slope * float((period_end - last_day).days)
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
    final = last_day >= period_end  # the period's value is in: nothing left to forecast
    if final:
        expected, spread = float(last_value), 0.0
        method += "; the period has ended: its last value is final"
    elif real < FEW_CHECKINS:
        scale = abs(expected) or abs(float(base or 0)) or 1.0
        spread = max(spread, PRIOR_SHARE * scale)
        method += (
            f"; fewer than {FEW_CHECKINS} check-ins: a prior spread of {PRIOR_SHARE:.0%} of the projected "
            f"value was used and the probability kept between {FEW_BOUNDS[0]:.0%} and {FEW_BOUNDS[1]:.0%}"
        )
    bounds = FEW_BOUNDS if real < FEW_CHECKINS else MANY_BOUNDS
    never_down = cumulative and all(a <= b for a, b in pairwise(ys))

    def decided(target: Decimal) -> Decimal | None:
        """1 or 0 when reaching `target` is settled whatever happens next; None when it is open."""
        if final:
            value = last_value
            if direction == "range":
                high = range_max if range_max is not None else target
                return ONE if target <= value <= high else ZERO
            hit = value <= target if direction == "lower" else value >= target
            return ONE if hit else ZERO
        if never_down:
            if direction == "higher" and last_value >= target:
                return ONE
            if direction == "lower" and last_value > target:
                return ZERO
            if direction == "range" and range_max is not None and last_value > range_max:
                return ZERO
        return None

    def probability(target: Decimal | None) -> Decimal | None:
        if target is None:
            return None
        settled = decided(target)
        if settled is not None:
            return settled
        t = float(target)
        if direction == "range":
            high = float(range_max) if range_max is not None else t
            if spread == 0:
                p = 1.0 if t <= expected <= high else 0.0
            else:
                p = _normal_cdf((high - expected) / spread) - _normal_cdf((t - expected) / spread)
        elif spread == 0:
            hit = expected <= t if direction == "lower" else expected >= t
            p = 1.0 if hit else 0.0
        elif direction == "lower":
            p = _normal_cdf((t - expected) / spread)
        else:
            p = 1 - _normal_cdf((t - expected) / spread)
        return Decimal(str(round(min(max(p, bounds[0]), bounds[1]), 6)))

    to_decimal = lambda value: Decimal(str(round(value, 6)))  # noqa: E731
    return Forecast(
        expected=to_decimal(expected),
        low=to_decimal(expected - z * spread),
        high=to_decimal(expected + z * spread),
        p_base=probability(base),
        p_challenge=probability(challenge) if direction != "range" else None,
        method=method,
        prior_used=not final and real < FEW_CHECKINS,
    )


def consecutive_deviation(rates: Sequence[Decimal | None], threshold: Decimal, periods: int = 2) -> bool:
    """Whether the last `periods` deviation rates all fall short by more than `threshold` (e.g. 0.2 twice running)."""
    recent = list(rates)[-periods:]
    return len(recent) == periods and all(r is not None and -r > threshold for r in recent)


# --- achievement against the plan to date (alert rules) ----------------------------------------


def achievement_against_plan(
    actual: Decimal | None,
    expected: Decimal | None,
    *,
    lower_is_better: bool = False,
    baseline: Decimal | None = None,
) -> Decimal | None:
    """达成率 against the plan to date: the actual compared with what the plan expects by today.

    DOMAIN.md ("Alerts on achievement compare the actual with the plan to date … unless the rule
    says against the full target"): on day 4 of a 31-day month a goal at 15% of its monthly target
    is ahead of plan, 0.15 ÷ (4/31) ≈ 1.16, and raises nothing; at the period end the plan is the
    target, so this is the plain achievement actual ÷ target.

    Higher is better: actual ÷ expected; None while the plan expects nothing yet (expected ≤ 0),
    since nothing can be behind a plan that has not started.
    Lower is better: expected ÷ actual (a cost of 80 where the plan allows 100 by today → 1.25);
    at or below 0 it is 1. Where the plan has reached a target of 0 (complaints 10 → 0) the ratio
    is the progress from the baseline, (baseline − actual) ÷ (baseline − expected), as DOMAIN.md's
    target-0 rule; None without a baseline above the plan.
    """
    if actual is None or expected is None:
        return None
    if not lower_is_better:
        return actual / expected if expected > 0 else None
    if expected > 0:
        return expected / actual if actual > 0 else ONE
    if actual <= expected:
        return ONE
    if baseline is None or baseline <= expected:
        return None
    return max((baseline - actual) / (baseline - expected), ZERO)


@dataclass(frozen=True)
class ReportingStatus:
    """Who of a week's expected reporters has reported (填报人数 reported / expected)."""

    expected: tuple[int, ...]  # person ids, in the order given
    reported: tuple[int, ...]
    missing: tuple[int, ...]
    due_rows: dict  # person id → how many rows were due
    submitted_rows: dict  # person id → how many of them have a check-in

    @property
    def counts(self) -> tuple[int, int]:
        return len(self.reported), len(self.expected)


def reporting_status(due: dict[int, set], submitted: set) -> ReportingStatus:
    """A week's reporting in a department (the weekly meeting's "填报人数 2 / 9").

    `due` maps each expected reporter (a person id) to the rows due from them that week — keys such
    as ("measure", 12) or ("item", 7), the rows of their own weekly report page; `submitted` holds
    the rows that have a check-in of the week (whoever entered it). A person has reported when at
    least one of their rows has a check-in: the weekly report was handed in, perhaps not complete
    (the page shows rows submitted / due per person). Everyone else is missing.

    Example: 陈静 owes {m-1, i-7} and submitted m-1, 林晓 owes {i-8} and submitted nothing →
    reported (陈静), missing (林晓), 1 / 2.
    """
    reported: list[int] = []
    missing: list[int] = []
    for person_id, rows in due.items():
        (reported if rows & submitted else missing).append(person_id)
    return ReportingStatus(
        expected=tuple(due),
        reported=tuple(reported),
        missing=tuple(missing),
        due_rows={p: len(rows) for p, rows in due.items()},
        submitted_rows={p: len(rows & submitted) for p, rows in due.items()},
    )


# --- check-in completion (the dashboards' 填报完成率) -----------------------------------------------

ON_TIME_DAYS = 1  # a week's check-in is on time when entered by the end of the Monday after the week


def week_monday(day: dt.date) -> dt.date:
    """The Monday of the Monday–Sunday week holding `day` (a weekly check-in counts for the week
    its period starts in)."""
    return day - dt.timedelta(days=day.weekday())


def late_from(period_start: dt.date) -> dt.date:
    """The first day on which a weekly check-in starting on `period_start` is late: it is on time when
    entered before this day begins (site time), i.e. by the end of the Monday after its week
    (`ON_TIME_DAYS` after the Sunday). Example: the week of Mon 2026-10-05 is on time until the end
    of Mon 2026-10-12, late from 2026-10-13."""
    return week_monday(period_start) + dt.timedelta(days=6 + ON_TIME_DAYS + 1)


@dataclass(frozen=True)
class CompletionRow:
    """A measure's weekly check-ins in one period (the stored roll-up `CheckInCompletion`): how many
    of the weeks lying wholly inside the period were reported and how many on time, and the latest
    such week with its counts plus the week before it, so that a reader can drop the weeks that
    have not ended yet (the current week) without reading the check-ins again."""

    measure_id: int
    period_id: int
    reported: int
    on_time: int
    last_week: dt.date
    last_reported: int
    last_on_time: int
    earlier_week: dt.date | None


def completion_rows(
    entries: Sequence[tuple[int, dt.date, bool]], periods: Sequence[tuple[int, dt.date, dt.date]]
) -> list[CompletionRow]:
    """Roll weekly check-ins up per measure and period.

    `entries` are (measure id, period start, on time) of live weekly check-ins; `periods` are
    (id, start, end). A check-in counts in a period when its week (Monday–Sunday, `week_monday`)
    lies wholly inside it — the weeks the dashboards count as due. Several check-ins of one week
    each count (as the panel counts rows). Rows only for (measure, period) pairs with a check-in.

    Example: a measure's check-ins of the weeks of Mon 2026-09-28 (on time) and Mon 2026-10-05
    (late) → the year: reported 2, on time 1, last week 10-05 (1 reported, 0 on time), earlier week
    09-28; Q4 and October: reported 1, on time 0, last week 10-05, no earlier week; September and Q3:
    no row (the week of the 28th ends on Oct 4).
    """
    inside: dict[dt.date, list[int]] = {}
    weeks: dict[tuple[int, int], dict[dt.date, list[int]]] = {}
    for measure_id, period_start, on_time in entries:
        monday = week_monday(period_start)
        holders = inside.get(monday)
        if holders is None:
            sunday = monday + dt.timedelta(days=6)
            holders = inside[monday] = [pk for pk, start, end in periods if start <= monday and sunday <= end]
        for period_id in holders:
            counts = weeks.setdefault((measure_id, period_id), {}).setdefault(monday, [0, 0])
            counts[0] += 1
            counts[1] += on_time
    rows = []
    for (measure_id, period_id), by_week in weeks.items():
        ordered = sorted(by_week)
        last = by_week[ordered[-1]]
        rows.append(
            CompletionRow(
                measure_id=measure_id,
                period_id=period_id,
                reported=sum(c[0] for c in by_week.values()),
                on_time=sum(c[1] for c in by_week.values()),
                last_week=ordered[-1],
                last_reported=last[0],
                last_on_time=last[1],
                earlier_week=ordered[-2] if len(ordered) > 1 else None,
            )
        )
    return rows


def completion_up_to(row: CompletionRow, last_monday: dt.date) -> tuple[int, int] | None:
    """(reported, on time) of `row` counting only the weeks up to the one starting `last_monday` (the
    last week that has ended, when the period is still running); None when that cannot be told from
    the row — check-ins for two or more later weeks (entered ahead): count those check-ins instead.
    The dashboards' check-in panel does this in SQL (`dashboards.selectors._reported_from_rollup`)."""
    if row.earlier_week is not None and row.earlier_week > last_monday:
        return None
    if row.last_week > last_monday:
        return row.reported - row.last_reported, row.on_time - row.last_on_time
    return row.reported, row.on_time
