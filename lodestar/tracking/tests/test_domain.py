"""Tracking arithmetic without a database: the seeds' figures (DOMAIN.md §3), plans, pace and
health, and the forecast checked on synthetic series whose answers are computed here by hand."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lodestar.core.numbers import rate_str
from lodestar.tracking import domain
from lodestar.tracking.domain import Health, HealthThresholds, PlanPoint

D = Decimal
WAN = D(10000)
START = dt.date(2026, 1, 1)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


# --- the seeds' figures ---------------------------------------------------------------------


def test_completion_seven_planned_five_done_is_71_percent():
    rate = domain.completion_rate(D(7), D(5))
    assert rate == D(5) / D(7)
    assert str(rate).startswith("0.714")
    assert rate_str(rate) == "0.7143"
    assert round(rate * 100) == 71


def test_over_completion_ten_planned_twelve_done_is_120_percent():
    assert domain.completion_rate(D(10), D(12)) == D("1.2")
    assert rate_str(domain.completion_rate(D(10), D(12))) == "1.2000"


def test_eighty_wan_planned_seventy_five_wan_done_is_94_percent():
    rate = domain.completion_rate(80 * WAN, 75 * WAN)
    assert rate == D("0.9375")
    assert round(rate * 100) == 94


def test_weekly_gap_fifty_wan_planned_thirty_five_wan_done_is_30_percent():
    assert domain.gap(50 * WAN, 35 * WAN) == D("0.30")
    assert domain.deviation_rate(50 * WAN, 35 * WAN) == D("-0.30")
    assert domain.gap(D(10), D(12)) == 0  # above plan: no gap


def test_deviation_rate_sign():
    assert domain.deviation_rate(D(10), D(12)) == D("0.2")
    assert domain.deviation_rate(D(7), D(5)) < 0
    assert domain.deviation_rate(D(7), D(7)) == 0


@pytest.mark.parametrize("planned, actual", [(None, D(1)), (D(1), None), (D(0), D(1)), (D(-1), D(1))])
def test_rates_are_undefined_without_a_positive_plan(planned, actual):
    assert domain.completion_rate(planned, actual) is None
    assert domain.deviation_rate(planned, actual) is None
    assert domain.gap(planned, actual) is None


# --- plans ----------------------------------------------------------------------------------


def test_even_plan_is_a_straight_line_with_the_end_point():
    plan = domain.even_plan(day(0), day(20), D(0), D(100), step_days=7)
    assert [p.day for p in plan] == [day(0), day(7), day(14), day(20)]
    # Each point is what is due by the end of its day: day 1 of 21 is 1/21 (DOMAIN.md's straight line).
    assert plan[0].expected_cumulative == D(100) * 1 / 21
    assert plan[1].expected_cumulative == D(100) * 8 / 21
    assert plan[-1].expected_cumulative == 100


def test_even_plan_rises_from_the_baseline_and_refuses_a_reversed_period():
    plan = domain.even_plan(day(0), day(10), D(15), D(20), step_days=5)
    assert [p.expected_cumulative for p in plan] == [D(15) + D(5) / 11, D(15) + D(5) * 6 / 11, D(20)]
    with pytest.raises(ValueError):
        domain.even_plan(day(10), day(0), D(0), D(1))


@settings(max_examples=200, deadline=None)
@given(
    length=st.integers(min_value=0, max_value=400),
    step=st.integers(min_value=1, max_value=31),
    baseline=st.decimals(min_value=-1000, max_value=1000, places=2),
    target=st.decimals(min_value=-100000, max_value=100000, places=2),
)
def test_even_plan_is_the_straight_line_of_goal_health(length, step, baseline, target):
    """Every point but the last is `linear_share_to_date` of its day, to the last digit: the plan, goal
    health and the alert rules draw one line (the plan spells the share out for speed)."""
    from lodestar.goals.domain import linear_share_to_date

    plan = domain.even_plan(day(0), day(length), baseline, target, step_days=step)
    expected = [
        PlanPoint(day(n), baseline + (target - baseline) * linear_share_to_date(day(0), day(length), day(n)))
        for n in range(0, length, step)
    ]
    assert plan == [*expected, PlanPoint(day(length), target)]


def test_curve_plan_follows_the_quarterly_split():
    quarters = [
        (dt.date(2026, 1, 1), dt.date(2026, 3, 31), D(20)),
        (dt.date(2026, 4, 1), dt.date(2026, 6, 30), D(30)),
        (dt.date(2026, 7, 1), dt.date(2026, 9, 30), D(35)),
        (dt.date(2026, 10, 1), dt.date(2026, 12, 31), D(15)),
    ]
    plan = domain.curve_plan(quarters, D(0), D(500))
    assert [(p.day, p.expected_cumulative) for p in plan] == [
        (dt.date(2026, 1, 1), D(0)),
        (dt.date(2026, 3, 31), D(100)),
        (dt.date(2026, 6, 30), D(250)),
        (dt.date(2026, 9, 30), D(425)),
        (dt.date(2026, 12, 31), D(500)),
    ]
    assert domain.curve_plan([], D(0), D(1)) == []


def test_expected_at_interpolates_and_holds_the_ends():
    plan = [PlanPoint(day(10), D(100)), PlanPoint(day(0), D(0)), PlanPoint(day(20), D(400))]
    assert domain.expected_at(plan, day(0)) == 0
    assert domain.expected_at(plan, day(5)) == 50
    assert domain.expected_at(plan, day(10)) == 100
    assert domain.expected_at(plan, day(15)) == 250
    assert domain.expected_at(plan, day(-30)) == 0  # before the first point
    assert domain.expected_at(plan, day(99)) == 400  # after the last point
    assert domain.expected_at([], day(1)) is None
    assert domain.expected_at([PlanPoint(day(3), D(7))], day(1)) == 7


# --- pace and health ------------------------------------------------------------------------


def test_pace_is_progress_made_over_progress_planned():
    assert domain.pace(D(50), D(50)) == 1
    assert domain.pace(D(40), D(50)) == D("0.8")
    # 复购率 15% → plan says 18% by now, actual 17.4%: 2.4 of 3 points = 0.8
    assert domain.pace(D("17.4"), D(18), baseline=D(15)) == D("0.8")
    assert domain.pace(None, D(1)) is None
    assert domain.pace(D(1), None) is None
    assert domain.pace(D(5), D(0)) is None  # nothing planned yet


@pytest.mark.parametrize(
    "pace_value, expected",
    [
        (None, Health.NOT_STARTED),
        (D("1.5"), Health.ON_TRACK),
        (D(1), Health.ON_TRACK),
        (D("0.9999"), Health.AT_RISK),
        (D("0.8"), Health.AT_RISK),
        (D("0.7999"), Health.OFF_TRACK),
        (D(0), Health.OFF_TRACK),
    ],
)
def test_health_default_thresholds(pace_value, expected):
    assert domain.health(pace_value) == expected


def test_health_thresholds_are_configurable():
    lenient = HealthThresholds(at_risk_below=D("0.9"), off_track_below=D("0.5"))
    assert domain.health(D("0.95"), lenient) == Health.ON_TRACK
    assert domain.health(D("0.6"), lenient) == Health.AT_RISK
    assert domain.health(D("0.49"), lenient) == Health.OFF_TRACK


# --- forecast -------------------------------------------------------------------------------


def test_forecast_of_a_perfectly_linear_series_is_exact_with_no_band():
    # 10 per day from 100: days 0, 7, 14, 21 → at day 90 the value is 1000.
    series = [(day(n), D(100 + 10 * n)) for n in (0, 7, 14, 21)]
    result = domain.forecast(series, day(90), base=D(1000), challenge=D("1000.01"))
    assert result.expected == D(1000)
    assert result.low == result.high == result.expected  # four check-ins: a zero band is allowed
    # ...but a trend never claims certainty: 0 and 1 are kept for outcomes already settled.
    assert result.p_base == D("0.99")
    assert result.p_challenge == D("0.01")
    assert "least squares" in result.method


def test_forecast_recovers_the_ols_line_of_a_noisy_series():
    a, b = 20.0, 3.0  # truth: y = 20 + 3·t
    noise = [1.5, -2.0, 0.5, 2.5, -1.0, -1.5, 0.0, 1.0]
    ts = [0, 4, 9, 13, 18, 22, 27, 30]
    ys = [a + b * t + e for t, e in zip(ts, noise, strict=True)]
    # OLS by hand.
    n = len(ts)
    mean_t, mean_y = sum(ts) / n, sum(ys) / n
    sxx = sum((t - mean_t) ** 2 for t in ts)
    slope = sum((t - mean_t) * (y - mean_y) for t, y in zip(ts, ys, strict=True)) / sxx
    intercept = mean_y - slope * mean_t
    t_end = 90
    expected = intercept + slope * t_end
    residual_ss = sum((y - intercept - slope * t) ** 2 for t, y in zip(ts, ys, strict=True))
    spread = math.sqrt(residual_ss / (n - 2)) * math.sqrt(1 + 1 / n + (t_end - mean_t) ** 2 / sxx)
    assert abs(slope - b) < 0.2 and abs(intercept - a) < 2  # the noise is small

    series = [(day(t), D(str(y))) for t, y in zip(ts, ys, strict=True)]
    truth = a + b * t_end
    result = domain.forecast(series, day(t_end), base=D(str(truth)), challenge=D(400))
    assert float(result.expected) == pytest.approx(expected, abs=1e-5)
    assert float(result.high - result.expected) == pytest.approx(1.2816 * spread, abs=1e-5)
    assert float(result.expected - result.low) == pytest.approx(1.2816 * spread, abs=1e-5)
    assert result.low <= D(str(truth)) <= result.high
    assert spread > 0
    # P(Y ≥ target) under N(expected, spread).
    p = 1 - 0.5 * (1 + math.erf((truth - expected) / spread / math.sqrt(2)))
    assert float(result.p_base) == pytest.approx(p, abs=1e-5)
    assert result.p_challenge == D("0.01")  # 400 is far above the trend (~290): the floor


def test_lower_is_better_flips_the_probabilities():
    series = [(day(0), D(100)), (day(10), D(88)), (day(20), D(81)), (day(30), D(69))]
    higher = domain.forecast(series, day(60), base=D(40), challenge=D(30))
    lower = domain.forecast(series, day(60), base=D(40), challenge=D(30), lower_is_better=True)
    assert higher.expected == lower.expected
    assert lower.p_base + higher.p_base == pytest.approx(D(1), abs=D("0.000002"))
    assert lower.p_challenge + higher.p_challenge == pytest.approx(D(1), abs=D("0.000002"))
    exact = [(day(n), D(100 - n)) for n in (0, 10, 20)]
    assert domain.forecast(exact, day(60), base=D(50), lower_is_better=True).p_base == D("0.99")
    assert domain.forecast(exact, day(60), base=D(50)).p_base == D("0.01")


def test_one_observation_projects_value_over_elapsed_days():
    # 30 done in the 10 days since the period start → 3 a day → 270 by day 90.
    result = domain.forecast([(day(10), D(30))], day(90), base=D(270), challenge=D(271), start=day(0))
    assert result.expected == D(270)
    # One check-in (DOMAIN.md): a prior of 25% of 270 → band 270 ± 1.2816 × 67.5, never a point.
    assert (result.low, result.high) == (D("183.492"), D("356.508"))
    assert result.p_base == D("0.5")
    assert D("0.05") < result.p_challenge < result.p_base
    assert result.method.startswith("single observation")
    assert "prior" in result.method
    # Without the period start there is no elapsed time: the value is held.
    assert domain.forecast([(day(10), D(30))], day(90)).expected == D(30)


def test_no_observations_no_forecast():
    assert domain.forecast([], day(90)) is None


def test_consecutive_deviation():
    threshold = D("0.2")
    assert domain.consecutive_deviation([D("-0.3"), D("-0.25")], threshold)
    assert not domain.consecutive_deviation([D("-0.3"), D("-0.1")], threshold)
    assert not domain.consecutive_deviation([D("-0.3"), D("-0.2")], threshold)  # exactly 20%: not above
    assert not domain.consecutive_deviation([D("-0.5")], threshold)  # one period only
    assert not domain.consecutive_deviation([D("-0.5"), None], threshold)
    assert not domain.consecutive_deviation([D("0.3"), D("0.4")], threshold)  # ahead of plan
    assert domain.consecutive_deviation([D(0), D("-0.3"), D("-0.3"), D("-0.3")], threshold, periods=3)


# --- properties -----------------------------------------------------------------------------

amounts = st.decimals(min_value=D("0.01"), max_value=D(10**9), places=2, allow_nan=False)
non_negative = st.decimals(min_value=D(0), max_value=D(10**9), places=2, allow_nan=False)


@given(planned=amounts, actual=non_negative)
def test_completion_rate_times_planned_is_actual(planned, actual):
    rate = domain.completion_rate(planned, actual)
    assert abs(rate * planned - actual) <= D("1e-15") * max(actual, D(1))


@st.composite
def monotonic_plans(draw):
    gaps = draw(st.lists(st.integers(1, 60), min_size=1, max_size=8))
    steps = draw(st.lists(non_negative, min_size=len(gaps), max_size=len(gaps)))
    points, when, value = [PlanPoint(START, D(0))], START, D(0)
    for gap_days, step in zip(gaps, steps, strict=True):
        when += dt.timedelta(days=gap_days)
        value += step
        points.append(PlanPoint(when, value))
    return points


@given(plan=monotonic_plans(), offsets=st.lists(st.integers(-30, 500), min_size=2, max_size=10))
def test_expected_at_is_monotonic_and_between_neighbours(plan, offsets):
    days = sorted(START + dt.timedelta(days=o) for o in offsets)
    values = [domain.expected_at(plan, d) for d in days]
    assert values == sorted(values)
    for when, value in zip(days, values, strict=True):
        before = [p for p in plan if p.day <= when]
        after = [p for p in plan if p.day >= when]
        low = before[-1].expected_cumulative if before else plan[0].expected_cumulative
        high = after[0].expected_cumulative if after else plan[-1].expected_cumulative
        assert low <= value <= high


@given(
    values=st.lists(
        st.decimals(min_value=D(-(10**6)), max_value=D(10**6), places=2, allow_nan=False),
        min_size=1,
        max_size=12,
    ),
    gaps=st.lists(st.integers(1, 30), min_size=12, max_size=12),
    horizon=st.integers(0, 365),
)
def test_forecast_low_expected_high_are_ordered(values, gaps, horizon):
    days, when = [], START
    for gap_days in gaps[: len(values)]:
        when += dt.timedelta(days=gap_days)
        days.append(when)
    result = domain.forecast(
        list(zip(days, values, strict=True)), when + dt.timedelta(days=horizon), base=D(0), start=START
    )
    assert result.low <= result.expected <= result.high
    assert D(0) <= result.p_base <= D(1)


# --- achievement against the plan to date (alert rules, DOMAIN.md "Alerts on achievement") --------

DEC_1, DEC_31 = dt.date(2026, 12, 1), dt.date(2026, 12, 31)
amounts = st.decimals(min_value=D(0), max_value=D(10) ** 9, places=2, allow_nan=False, allow_infinity=False)
positive = st.decimals(
    min_value=D("0.01"), max_value=D(10) ** 9, places=2, allow_nan=False, allow_infinity=False
)


def test_day_4_of_a_31_day_month_at_15_percent_is_ahead_of_plan():
    share = domain.linear_share_to_date(DEC_1, DEC_31, dt.date(2026, 12, 4))
    assert share == D(4) / D(31)  # 12.9%
    target = 1000 * WAN
    rate = domain.achievement_against_plan(D("0.15") * target, target * share)
    assert rate_str(rate) == "1.1625"  # 116% of pace: nothing to raise at 80%
    assert rate >= D("0.8")


def test_linear_share_before_during_and_after_the_period():
    assert domain.linear_share_to_date(DEC_1, DEC_31, dt.date(2026, 11, 30)) == 0
    assert domain.linear_share_to_date(DEC_1, DEC_31, DEC_1) == D(1) / D(31)
    assert domain.linear_share_to_date(DEC_1, DEC_31, DEC_31) == 1
    assert domain.linear_share_to_date(DEC_1, DEC_31, dt.date(2027, 1, 5)) == 1


def test_nothing_is_behind_a_plan_that_expects_nothing_yet():
    assert domain.achievement_against_plan(D(0), D(0)) is None
    assert domain.achievement_against_plan(None, D(10)) is None
    assert domain.achievement_against_plan(D(5), None) is None


def test_lower_is_better_against_the_plan():
    assert domain.achievement_against_plan(D(80), D(100), lower_is_better=True) == D("1.25")
    assert domain.achievement_against_plan(D(0), D(100), lower_is_better=True) == 1
    # Complaints 10 → 0 with the plan at 0: DOMAIN's target-0 rule, progress from the baseline.
    assert domain.achievement_against_plan(D(2), D(0), lower_is_better=True, baseline=D(10)) == D("0.8")
    assert domain.achievement_against_plan(D(0), D(0), lower_is_better=True, baseline=D(10)) == 1
    assert domain.achievement_against_plan(D(2), D(0), lower_is_better=True) is None


@given(
    start_offset=st.integers(min_value=0, max_value=400),
    length=st.integers(min_value=0, max_value=400),
    a=st.integers(min_value=-30, max_value=900),
    b=st.integers(min_value=-30, max_value=900),
)
def test_linear_share_is_a_fraction_that_never_goes_back(start_offset, length, a, b):
    start = day(start_offset)
    end = start + dt.timedelta(days=length)
    first, second = sorted((a, b))
    share_a = domain.linear_share_to_date(start, end, start + dt.timedelta(days=first))
    share_b = domain.linear_share_to_date(start, end, start + dt.timedelta(days=second))
    assert 0 <= share_a <= share_b <= 1


@given(actual=amounts, target=positive, elapsed=st.integers(min_value=1, max_value=31))
def test_against_the_plan_is_never_harsher_than_against_the_full_target(actual, target, elapsed):
    """Earlier in the period less is due, so the same actual is judged at least as well; on the
    last day the plan is the target and the two agree (达成率 = actual ÷ target)."""
    share = domain.linear_share_to_date(DEC_1, DEC_31, DEC_1 + dt.timedelta(days=elapsed - 1))
    against_plan = domain.achievement_against_plan(actual, target * share)
    assert against_plan >= actual / target
    if elapsed == 31:
        assert against_plan == actual / target


@given(
    actual=amounts, expected=positive, threshold=st.decimals(min_value=D("0.01"), max_value=D(2), places=2)
)
def test_below_the_threshold_exactly_when_behind_that_share_of_the_plan(actual, expected, threshold):
    rate = domain.achievement_against_plan(actual, expected)
    assert (rate < threshold) == (actual < threshold * expected)


# --- issue 11: forecasts honest about little data; range measures ----------------------------


def test_one_checkin_far_above_or_below_the_target_stays_between_5_and_95_percent():
    ahead = domain.forecast([(day(10), D(300))], day(90), base=D(100), start=day(0))
    behind = domain.forecast([(day(10), D(1))], day(90), base=D(1000), start=day(0))
    assert ahead.p_base == D("0.94") and behind.p_base == D("0.06")
    assert ahead.low < ahead.high and behind.low < behind.high


def test_a_cumulative_measure_already_over_its_target_is_certain():
    # 120 of a 100 target after one check-in: a running total cannot fall back.
    result = domain.forecast(
        [(day(0), D(0)), (day(10), D(120))], day(90), base=D(100), checkins=1, cumulative=True
    )
    assert result.p_base == 1
    # A level (复购率) can fall back: still a forecast.
    level = domain.forecast([(day(0), D(0)), (day(10), D(120))], day(90), base=D(100), checkins=1)
    assert D("0.05") < level.p_base < D("0.95")
    # Lower is better, a running total (spend) already past its ceiling: out of reach.
    spent = domain.forecast(
        [(day(0), D(0)), (day(10), D(120))],
        day(90),
        base=D(100),
        direction="lower",
        checkins=1,
        cumulative=True,
    )
    assert spent.p_base == 0


def test_the_last_value_of_an_ended_period_is_final():
    result = domain.forecast([(day(0), D(0)), (day(90), D(80))], day(90), base=D(100), checkins=1)
    assert (result.expected, result.low, result.high, result.p_base) == (D(80), D(80), D(80), 0)


def test_a_range_measure_is_forecast_to_end_inside_its_range():
    # 库存周转天数 between 20 and 30; the trend ends at 25: likely inside, not "above 20 is enough".
    series = [(day(n), D(25) + D(n % 2)) for n in range(0, 40, 5)]
    inside = domain.forecast(series, day(60), base=D(20), direction="range", range_max=D(30))
    above = domain.forecast(series, day(60), base=D(20))
    assert D("0.5") < inside.p_base < D(1)
    # Trending to 45: well above the range, so unlikely — higher-is-better would call it certain.
    rising = [(day(n), D(20 + n // 2) + D(n % 2)) for n in range(0, 50, 5)]
    out = domain.forecast(rising, day(50), base=D(20), direction="range", range_max=D(30))
    assert out.p_base <= D("0.05")
    assert domain.forecast(rising, day(50), base=D(20)).p_base >= D("0.95")
    assert inside.p_challenge is None and above.p_base >= inside.p_base


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.decimals(min_value=0, max_value=D(10**6), places=2), min_size=1, max_size=2),
    target=st.decimals(min_value=D("0.01"), max_value=D(10**6), places=2),
    direction=st.sampled_from(["higher", "lower", "range"]),
    cumulative=st.booleans(),
)
def test_fewer_than_three_checkins_never_a_point_and_never_certain_unless_settled(
    values, target, direction, cumulative
):
    days = [START + dt.timedelta(days=10 * (i + 1)) for i in range(len(values))]
    series = [(START, D(0)), *zip(days, values, strict=True)]
    result = domain.forecast(
        series,
        START + dt.timedelta(days=90),
        base=target,
        direction=direction,
        range_max=target * 2,
        start=START,
        checkins=len(values),
        cumulative=cumulative,
    )
    assert result.low < result.high
    assert "prior" in result.method
    running = [D(0), *values]
    settled = (
        cumulative
        and all(a <= b for a, b in itertools.pairwise(running))
        and (
            (direction == "higher" and values[-1] >= target)
            or (direction == "lower" and values[-1] > target)
            or (direction == "range" and values[-1] > target * 2)
        )
    )
    if settled:
        assert result.p_base in (0, 1)
    else:
        assert D("0.05") < result.p_base < D("0.95")


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.decimals(min_value=-1000, max_value=1000, places=2), min_size=3, max_size=10),
    low=st.decimals(min_value=-1000, max_value=1000, places=2),
    width=st.decimals(min_value=0, max_value=500, places=2),
)
def test_range_probability_is_at_most_either_one_sided_probability(values, low, width):
    series = [(START + dt.timedelta(days=7 * i), v) for i, v in enumerate(values)]
    end = START + dt.timedelta(days=200)
    ranged = domain.forecast(series, end, base=low, direction="range", range_max=low + width)
    at_least = domain.forecast(series, end, base=low)
    at_most = domain.forecast(series, end, base=low + width, direction="lower")
    assert D("0.01") <= ranged.p_base <= D("0.99")
    assert ranged.p_base <= max(at_least.p_base, D("0.01")) + D("0.000001")
    assert ranged.p_base <= max(at_most.p_base, D("0.01")) + D("0.000001")
