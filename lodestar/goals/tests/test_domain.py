"""Goal arithmetic (lodestar.goals.domain): pure Decimal functions, no database.

Every figure of DOMAIN.md that concerns goals ("Numbers the product must compute exactly" and
the progress-from-baseline paragraph) comes out exactly, plus hypothesis properties of the
roll-up, progress and splitting rules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lodestar.goals import domain
from lodestar.goals.domain import ChildScore, Direction, Health, MeasureFigures

D = Decimal


def child(value, weight=None, cancelled=False) -> ChildScore:
    return ChildScore(
        None if value is None else D(str(value)), None if weight is None else D(str(weight)), cancelled
    )


# --- achievement rate (达成率) ----------------------------------------------------------------


def test_achievement_480_of_500_is_exactly_96_percent():
    assert domain.achievement_rate(D(480), D(500)) == D("0.96")


def test_achievement_above_target_220_of_200_is_110_percent():
    assert domain.achievement_rate(D(220), D(200)) == D("1.10")


def test_achievement_in_wan_units_matches_yuan_units():
    assert domain.achievement_rate(D("4800000"), D("5000000")) == D("0.96")
    assert domain.achievement_rate(D("480"), D("500.0000")) == D("0.96")


def test_achievement_lower_is_better_flips():
    # Cost per lead: target 50, actual 40 → 125%.
    assert domain.achievement_rate(D(40), D(50), Direction.LOWER) == D("1.25")
    assert domain.achievement_rate(D(50), D(50), Direction.LOWER) == 1
    assert domain.achievement_rate(D(60), D(30), Direction.LOWER) == D("0.5")


def test_achievement_undefined_is_none_not_zero():
    assert domain.achievement_rate(D(10), D(0)) is None
    assert domain.achievement_rate(D(10), D(-5)) is None
    assert domain.achievement_rate(D(0), D(50), Direction.LOWER) is None


def test_achievement_of_a_range():
    # 库存周转天数 20–30.
    assert domain.achievement_rate(D(25), D(20), Direction.RANGE, D(30)) == 1
    assert domain.achievement_rate(D(20), D(20), Direction.RANGE, D(30)) == 1
    assert domain.achievement_rate(D(30), D(20), Direction.RANGE, D(30)) == 1
    assert domain.achievement_rate(D(15), D(20), Direction.RANGE, D(30)) == D("0.75")
    assert domain.achievement_rate(D(40), D(20), Direction.RANGE, D(30)) == D("0.75")


# --- progress from a baseline -----------------------------------------------------------------


def test_progress_repurchase_rate_15_to_20_now_18_is_60_percent():
    assert domain.progress(D(18), D(15), D(20)) == D("0.6")
    assert domain.progress(D("0.18"), D("0.15"), D("0.20")) == D("0.6")


def test_progress_lower_is_better_flips_direction():
    # Cost 80 → 60, now 70: half-way.
    assert domain.progress(D(70), D(80), D(60)) == D("0.5")
    assert domain.progress(D(60), D(80), D(60)) == 1
    assert domain.progress(D(90), D(80), D(60)) == 0  # got worse: clamped


def test_progress_clamps_as_configured():
    assert domain.progress(D(25), D(15), D(20)) == 1
    assert domain.progress(D(10), D(15), D(20)) == 0
    assert domain.progress(D(25), D(15), D(20), clamp_max=None) == D(2)
    assert domain.progress(D(10), D(15), D(20), clamp_min=None) == D(-1)
    assert domain.progress(D(25), D(15), D(20), clamp_max=D("1.2")) == D("1.2")


def test_progress_is_undefined_when_target_equals_baseline():
    assert domain.progress(D(5), D(10), D(10)) is None


def test_measure_progress_uses_baseline_or_falls_back_to_achievement():
    with_baseline = MeasureFigures(Direction.HIGHER, D(15), D(20), D(18))
    assert domain.measure_progress(with_baseline) == D("0.6")
    assert domain.measure_achievement(with_baseline) == D("0.9")
    no_baseline = MeasureFigures(Direction.HIGHER, None, D(500), D(480))
    assert domain.measure_progress(no_baseline) == D("0.96")
    over = MeasureFigures(Direction.HIGHER, None, D(200), D(220))
    assert domain.measure_progress(over) == 1  # progress is capped at 1
    assert domain.measure_achievement(over) == D("1.1")
    assert domain.measure_progress(MeasureFigures(Direction.HIGHER, D(0), D(10), None)) is None
    inside = MeasureFigures(Direction.RANGE, D(0), D(20), D(25), range_max=D(30))
    assert domain.measure_progress(inside) == 1


# --- challenge target (基准值 + 挑战值) and measures met ---------------------------------------


def test_challenge_attainment_base_450_challenge_500_actual_480():
    assert domain.challenge_attainment(D(480), D(450), D(500)) == D("0.6")
    assert domain.challenge_attainment(D(440), D(450), D(500)) == 0
    assert domain.challenge_attainment(D(520), D(450), D(500)) == 1
    assert domain.challenge_attainment(D(480), D(450), None) is None
    assert domain.challenge_attainment(D(480), D(450), D(450)) is None


def test_challenge_attainment_lower_is_better():
    # Cost: base target 50, challenge 40, actual 45 → half-way.
    assert domain.challenge_attainment(D(45), D(50), D(40)) == D("0.5")


def test_goal_achieved_needs_every_measure_met():
    sales = MeasureFigures(Direction.HIGHER, None, D(500), D(510))
    new_customers = MeasureFigures(Direction.HIGHER, None, D(40), D(38))
    assert domain.goal_achieved([sales]) is True
    assert domain.goal_achieved([sales, new_customers]) is False
    assert domain.goal_achieved([sales, MeasureFigures(Direction.HIGHER, None, D(40), D(40))]) is True
    assert domain.goal_achieved([]) is False
    assert domain.goal_achieved([MeasureFigures(Direction.HIGHER, None, D(500), None)]) is False


def test_measure_met_by_direction():
    assert domain.measure_met(MeasureFigures(Direction.LOWER, None, D(1), D("0.8")))
    assert not domain.measure_met(MeasureFigures(Direction.LOWER, None, D(1), D("1.2")))
    assert domain.measure_met(MeasureFigures(Direction.RANGE, None, D(20), D(30), range_max=D(30)))
    assert not domain.measure_met(MeasureFigures(Direction.RANGE, None, D(20), D(31), range_max=D(30)))


def test_goal_score_is_mean_of_measures_with_per_measure_cap():
    exposure = MeasureFigures(Direction.HIGHER, None, D(200), D(300))  # 150%
    engagement = MeasureFigures(Direction.HIGHER, None, D(3), D("2.4"))  # 80%
    score = domain.goal_score([exposure, engagement], cap=D("1.2"))
    assert score.achievement == D("1.0")  # (1.2 + 0.8) / 2: one over-achieved measure cannot hide the other
    assert score.progress == D("0.9")  # (1 + 0.8) / 2
    assert score.achievement_uncapped == D("1.15")
    assert domain.goal_score([exposure, engagement], cap=None).achievement == D("1.15")
    # The default cap is 100% (DOMAIN.md): (1 + 0.8) / 2.
    assert domain.goal_score([exposure, engagement]).achievement == D("0.9")
    assert domain.goal_score([]) == domain.GoalScore(None, None, None)


# --- weights and roll-up ----------------------------------------------------------------------


def test_weights_60_30_10_sum_to_100():
    assert domain.weights_sum_error([D(60), D(30), D(10)]) is None


def test_weights_60_30_report_their_sum_of_90():
    assert domain.weights_sum_error([D(60), D(30)]) == D(90)
    assert domain.weights_sum_error([D(60), D(30), D(20)]) == D(110)


def test_weights_none_set_is_fine_and_unset_ones_are_ignored():
    assert domain.weights_sum_error([]) is None
    assert domain.weights_sum_error([None, None]) is None
    assert domain.weights_sum_error([D(60), D(40), None]) is None
    assert domain.weights_sum_error([D("33.33"), D("33.33"), D("33.34")]) is None


def test_time_split_20_30_35_15_sums_to_100_and_splits_500():
    shares = [D(20), D(30), D(35), D(15)]
    assert domain.shares_sum_error(shares) is None
    assert domain.split_amount(D(500), shares) == [D(100), D(150), D(175), D(75)]
    assert domain.shares_sum_error([D(20), D(30), D(35)]) == D(85)


def test_split_amount_puts_rounding_remainder_on_last_part():
    parts = domain.split_amount(D(100), [D("33.33"), D("33.33"), D("33.34")])
    assert parts == [D("33.33"), D("33.33"), D("33.34")]
    parts = domain.split_amount(D(10), [D("33.33"), D("33.33"), D("33.34")])
    assert sum(parts) == D(10)
    assert parts[:2] == [D("3.33"), D("3.33")]


def test_even_shares_of_three_sum_to_exactly_100():
    shares = domain.even_shares(3)
    assert shares == [D("33.33"), D("33.33"), D("33.34")]
    assert sum(shares) == D(100)
    assert domain.even_shares(4) == [D(25)] * 4
    assert domain.even_shares(0) == []
    for count in range(1, 40):
        assert sum(domain.even_shares(count)) == D(100)


def test_weighted_rollup_of_the_seeds_goal_set_is_0_966():
    # 新品A销售额 60% at 96%, 小红书曝光 30% at 110%, 复购率 10% at 60% → 0.576 + 0.33 + 0.06.
    children = [child("0.96", 60), child("1.10", 30), child("0.60", 10)]
    assert domain.weighted_rollup(children) == D("0.966")
    assert domain.normalised_weights(children) == [D("0.6"), D("0.3"), D("0.1")]


def test_cancelled_children_are_excluded_from_the_rollup():
    children = [child("0.96", 60), child("1.10", 30, cancelled=True), child("0.60", 10)]
    weights = domain.normalised_weights(children)
    assert weights[1] == 0
    assert sum(weights) == 1
    assert abs(weights[0] - D(6) / 7) < D("1e-19")
    assert abs(weights[2] - D(1) / 7) < D("1e-19")
    # 60/70 × 0.96 + 10/70 × 0.60 = (57.6 + 6) / 70
    assert domain.weighted_rollup(children).quantize(D("1e-12")) == (D("63.6") / D(70)).quantize(D("1e-12"))
    assert domain.weighted_rollup([child("0.5", 100, cancelled=True)]) is None
    assert domain.weighted_rollup([]) is None


def test_unweighted_children_share_the_remainder():
    children = [child("1", 60), child("0.5", None), child("0", None)]
    assert domain.normalised_weights(children) == [D("0.6"), D("0.2"), D("0.2")]
    assert domain.weighted_rollup(children) == D("0.7")


def test_no_weights_at_all_means_equal_shares():
    weights = domain.normalised_weights([child("0.3"), child("0.6"), child("0.9")])
    assert sum(weights) == 1
    assert all(abs(w - D(1) / 3) < D("1e-19") for w in weights)
    assert domain.weighted_rollup([child("0.7"), child("0.7"), child("0.7")]) == D("0.7")


def test_weights_below_100_are_scaled_and_all_zero_weights_share_equally():
    assert domain.normalised_weights([child(1, 30), child(0, 30)]) == [D("0.5"), D("0.5")]
    assert domain.normalised_weights([child(1, 0), child(0, 0)]) == [D("0.5"), D("0.5")]
    # Weighted children already at 100: unweighted ones get nothing.
    assert domain.normalised_weights([child(1, 100), child(0, None)]) == [D(1), D(0)]


def test_children_without_data_count_as_zero():
    assert domain.weighted_rollup([child("0.8", 50), child(None, 50)]) == D("0.4")


def test_cap_of_120_percent_is_applied_per_child():
    children = [child("2.0", 50), child("0.5", 50)]
    assert domain.weighted_rollup(children) == D("1.25")
    assert domain.weighted_rollup(children, cap=D("1.2")) == D("0.85")  # 0.5 × 1.2 + 0.5 × 0.5


# --- health -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("progress", "elapsed", "expected"),
    [
        (None, "0.5", Health.NOT_STARTED),
        ("0.5", "0", Health.NOT_STARTED),
        ("0.5", "0.5", Health.ON_TRACK),  # pace 100%
        ("0.6", "0.5", Health.ON_TRACK),
        ("0.45", "0.5", Health.AT_RISK),  # pace 90%
        ("0.4", "0.5", Health.AT_RISK),  # pace exactly 80%
        ("0.35", "0.5", Health.OFF_TRACK),  # pace 70%
        ("0", "1", Health.OFF_TRACK),
    ],
)
def test_health_thresholds(progress, elapsed, expected):
    value = None if progress is None else D(progress)
    assert domain.health(value, D(elapsed)) == expected


def test_health_thresholds_are_configurable():
    assert domain.health(D("0.45"), D("0.5"), at_risk_below=D("0.9")) == Health.ON_TRACK
    assert domain.health(D("0.35"), D("0.5"), off_track_below=D("0.7")) == Health.AT_RISK


def test_linear_share_of_a_period_counts_whole_days():
    first = dt.date(2026, 12, 1)

    def share(day: int):
        return domain.linear_share_to_date(first, dt.date(2026, 12, 10), first + dt.timedelta(days=day - 1))

    assert share(0) == 0
    assert share(1) == D("0.1")
    assert share(5) == D("0.5")
    assert share(10) == 1
    assert share(30) == 1


# --- properties -------------------------------------------------------------------------------

weights = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2))
values = st.one_of(st.none(), st.decimals(min_value=0, max_value=3, places=6))
children_st = st.lists(
    st.builds(ChildScore, value=values, weight=weights, cancelled=st.booleans()), min_size=0, max_size=25
)
amounts = st.decimals(min_value=D("-1e9"), max_value=D("1e9"), places=4)


@settings(max_examples=300, deadline=None)
@given(children_st)
def test_normalised_weights_sum_to_exactly_one(children):
    result = domain.normalised_weights(children)
    assert len(result) == len(children)
    if all(c.cancelled for c in children):
        assert all(w == 0 for w in result)
        return
    assert sum(result, D(0)) == 1
    assert all(w >= 0 for w in result)
    assert all(w == 0 for w, c in zip(result, children, strict=True) if c.cancelled)


@settings(max_examples=300, deadline=None)
@given(children_st, st.sampled_from([None, D("1.2"), D(1)]))
def test_weighted_rollup_lies_between_min_and_max_child(children, cap):
    result = domain.weighted_rollup(children, cap=cap)
    live = [c for c in children if not c.cancelled]
    if not live:
        assert result is None
        return
    capped = [c.value if c.value is not None else D(0) for c in live]
    if cap is not None:
        capped = [min(v, cap) for v in capped]
    assert min(capped) <= result <= max(capped)


@settings(max_examples=300, deadline=None)
@given(
    amounts, amounts, amounts, st.sampled_from([(D(0), D(1)), (None, None), (D(0), D("1.2")), (None, D(1))])
)
def test_progress_is_within_clamp_and_hits_0_and_1(current, baseline, target, clamp):
    assume(target != baseline)
    clamp_min, clamp_max = clamp
    value = domain.progress(current, baseline, target, clamp_min=clamp_min, clamp_max=clamp_max)
    if clamp_min is not None:
        assert value >= clamp_min
    if clamp_max is not None:
        assert value <= clamp_max
    assert domain.progress(target, baseline, target, clamp_min=clamp_min, clamp_max=clamp_max) == 1
    assert domain.progress(baseline, baseline, target, clamp_min=clamp_min, clamp_max=clamp_max) == 0


@st.composite
def shares_summing_to_100(draw):
    """Positive shares with two places that sum to exactly 100."""
    count = draw(st.integers(min_value=1, max_value=12))
    cuts = sorted(
        draw(
            st.lists(
                st.integers(min_value=1, max_value=9999), min_size=count - 1, max_size=count - 1, unique=True
            )
        )
    )
    bounds = [0, *cuts, 10000]
    return [D(b - a) / 100 for a, b in pairwise(bounds)]


@settings(max_examples=300, deadline=None)
@given(
    shares_summing_to_100(),
    st.decimals(min_value=D("0.01"), max_value=D("1e10"), places=4),
    st.integers(min_value=0, max_value=4),
)
def test_split_amount_parts_sum_exactly_to_the_total(shares, total, places):
    assert domain.shares_sum_error(shares) is None
    parts = domain.split_amount(total, shares, places=places)
    assert len(parts) == len(shares)
    assert sum(parts, D(0)) == total


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(min_value=D("0.01"), max_value=D("1e10"), places=2),
    st.decimals(min_value=0, max_value=5, places=4),
)
def test_achievement_times_target_gives_back_actual(target, rate):
    actual = target * rate
    achieved = domain.achievement_rate(actual, target)
    assert achieved == rate
    assert achieved * target == actual


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(min_value=D("0.01"), max_value=D("1e10"), places=2),
    st.decimals(min_value=0, max_value=D("1e10"), places=2),
)
def test_achievement_times_target_is_actual_to_decimal_precision(target, actual):
    # Any actual: a quotient like 1/3 is rounded at 28 significant digits, so the product is
    # within one unit of the 26th significant digit of the actual.
    achieved = domain.achievement_rate(actual, target)
    assert abs(achieved * target - actual) <= max(actual, D(1)) * D("1e-26")


# --- issue 11: measure weights, the 100% cap, target 0, health against the plan ----------------


def test_seeds_new_product_a_is_98_percent_not_101():
    # DOMAIN.md: 销售额 480/500 = 96%, 新客占比 105% → (96% + 100%) / 2 = 98%; uncapped 100.5%.
    sales = MeasureFigures(Direction.HIGHER, None, D(500), D(480))
    share = MeasureFigures(Direction.HIGHER, None, D(40), D(42))
    score = domain.goal_score([sales, share])
    assert score.achievement == D("0.98")
    assert score.achievement_uncapped == D("1.005")


def test_measure_weights_weigh_the_goal():
    sales = MeasureFigures(Direction.HIGHER, None, D(500), D(480), weight=D(60))
    share = MeasureFigures(Direction.HIGHER, None, D(40), D(42), weight=D(40))
    assert domain.goal_score([sales, share]).achievement == D("0.976")  # 0.6 × 0.96 + 0.4 × 1
    # One weight set: the other measure takes what it leaves (60 / 40).
    unweighted = MeasureFigures(Direction.HIGHER, None, D(40), D(42))
    assert domain.goal_score([sales, unweighted]).achievement == D("0.976")


def test_a_measure_without_a_value_is_left_out_and_weights_renormalised():
    sales = MeasureFigures(Direction.HIGHER, None, D(500), D(480), weight=D(60))
    share = MeasureFigures(Direction.HIGHER, None, D(40), None, weight=D(40))
    assert domain.goal_score([sales, share]).achievement == D("0.96")


def test_lower_is_better_with_target_zero_is_progress_from_the_baseline():
    # DOMAIN.md: complaints 10 → 0, now 2 → 80%; at or below 0 → 100%.
    def rate(actual):
        return domain.achievement_rate(D(actual), D(0), Direction.LOWER, baseline=D(10))

    assert rate(2) == D("0.8")
    assert rate(0) == 1
    assert rate(-1) == 1
    assert rate(10) == 0
    assert rate(12) == 0  # worse than where it started: nothing achieved, never negative
    assert domain.achievement_rate(D(2), D(0), Direction.LOWER) is None  # no baseline: undefined
    figures = MeasureFigures(Direction.LOWER, D(10), D(0), D(2))
    assert domain.measure_achievement(figures) == D("0.8")
    assert domain.measure_progress(figures) == D("0.8")


def test_final_health_after_the_period():
    assert domain.final_health(D(1)) == Health.ACHIEVED
    assert domain.final_health(D("0.98")) == Health.MISSED
    assert domain.final_health(None) == Health.MISSED


def test_planned_progress_follows_the_plan_or_a_straight_line():
    import datetime as dt

    start, end = dt.date(2026, 12, 1), dt.date(2026, 12, 31)
    figures = MeasureFigures(Direction.HIGHER, None, D(300), D(45))
    # No plan: a straight line from the start; day 4 of December is 4/31 of the way (DOMAIN.md).
    assert domain.planned_progress(figures, [], start, end, dt.date(2026, 12, 4)) == D(4) / D(31)
    assert domain.planned_progress(figures, [], start, end, dt.date(2027, 2, 1)) == 1
    assert domain.planned_progress(figures, [], start, end, dt.date(2026, 11, 1)) == 0
    # A front-loaded plan: 150 by the 4th.
    plan = [
        domain.PlanPoint(start, D(0)),
        domain.PlanPoint(dt.date(2026, 12, 4), D(150)),
        domain.PlanPoint(end, D(300)),
    ]
    assert domain.planned_progress(figures, plan, start, end, dt.date(2026, 12, 4)) == D("0.5")
    # 15% done when the line expects 10%: pace 150%, on track; against the plan's 50%: off track.
    assert domain.health(D("0.15"), D("0.1")) == Health.ON_TRACK
    assert domain.health(D("0.15"), D("0.5")) == Health.OFF_TRACK
    assert domain.health(D("0.15"), None) == Health.NOT_STARTED


measure_weights = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2))
rates = st.decimals(min_value=0, max_value=5, places=4)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.one_of(st.none(), rates), measure_weights), min_size=1, max_size=8),
    st.sampled_from([D(1), D("1.2"), None]),
)
def test_goal_achievement_is_a_weighted_mean_bounded_by_its_capped_measures(rows, cap):
    measures = [
        MeasureFigures(Direction.HIGHER, None, D(100), None if r is None else r * 100, weight=w)
        for r, w in rows
    ]
    score = domain.goal_score(measures, cap=cap)
    present = [r for r, _w in rows if r is not None]
    if not present:
        assert score == domain.GoalScore(None, None, None)
        return
    capped = [min(r, cap) if cap is not None else r for r in present]
    tolerance = D("1e-15")
    assert min(capped) - tolerance <= score.achievement <= max(capped) + tolerance
    assert min(present) - tolerance <= score.achievement_uncapped <= max(present) + tolerance
    assert score.achievement <= score.achievement_uncapped + tolerance
    if cap is not None:
        assert score.achievement <= cap + tolerance
    assert 0 <= score.progress <= 1 + tolerance


@settings(max_examples=300, deadline=None)
@given(rates, rates, st.decimals(min_value=0, max_value=100, places=2))
def test_equal_or_complementary_weights_give_the_same_mean(first, second, weight):
    a = MeasureFigures(Direction.HIGHER, None, D(100), first * 100, weight=weight)
    b = MeasureFigures(Direction.HIGHER, None, D(100), second * 100, weight=D(100) - weight)
    share = weight / 100
    expected = share * min(first, D(1)) + (1 - share) * min(second, D(1))
    assert abs(domain.goal_score([a, b]).achievement - expected) <= D("1e-15")
    equal = domain.goal_score(
        [a.__class__(**{**a.__dict__, "weight": None}), b.__class__(**{**b.__dict__, "weight": None})]
    )
    assert abs(equal.achievement - (min(first, D(1)) + min(second, D(1))) / 2) <= D("1e-15")


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(min_value=D("0.0001"), max_value=D("1e6"), places=4),
    st.decimals(min_value=D("-10"), max_value=D("2e6"), places=4),
)
def test_target_zero_achievement_is_between_0_and_1_and_falls_as_actual_rises(baseline, actual):
    rate = domain.achievement_rate(actual, D(0), Direction.LOWER, baseline=baseline)
    assert 0 <= rate <= 1
    if actual <= 0:
        assert rate == 1
    elif actual < baseline:
        assert rate == (baseline - actual) / baseline
        assert domain.achievement_rate(actual + D("0.0001"), D(0), Direction.LOWER, baseline=baseline) <= rate
    else:
        assert rate == 0


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=400), st.integers(min_value=1, max_value=400))
def test_planned_progress_without_a_plan_is_the_straight_line_share(offset, length):
    import datetime as dt

    start = dt.date(2026, 1, 1)
    end = start + dt.timedelta(days=length)
    today = start + dt.timedelta(days=offset)
    figures = MeasureFigures(Direction.HIGHER, None, D(100), D(1))
    share = domain.planned_progress(figures, [], start, end, today)
    assert 0 <= share <= 1
    # Whole days, counted to the end of today (DOMAIN.md: day 4 of 31 is 4/31).
    assert share == min(D(offset + 1) / D(length + 1), D(1))


def test_a_unit_reads_after_a_figure_as_teams_write_it():
    from lodestar.goals.domain import unit_display

    assert [unit_display(u) for u in ("yuan", "wan_yuan", "percent", "people", "count")] == [
        "元",
        "万元",
        "%",
        "人",
        "",
    ]
    assert unit_display("custom", "篇") == "篇"
