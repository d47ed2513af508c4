"""The pure scoring rules (DOMAIN.md "Appraisal scoring"): quantitative, qualitative and final scores."""

import random
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lodestar.appraisal.domain import grades, scoring

D = Decimal
ROLES = ("manager", "peer", "self")

achievements = st.decimals(min_value=D("-1"), max_value=D("5"), places=4)
caps = st.decimals(min_value=D("0.5"), max_value=D("3"), places=2)
ratings = st.integers(min_value=1, max_value=5)
rating_lists = st.lists(ratings, max_size=6)
kind_ratings = st.fixed_dictionaries({role: rating_lists for role in ROLES})
weights = st.decimals(min_value=D("0.01"), max_value=D(100), places=2)
kind_weights = st.fixed_dictionaries({role: weights for role in ROLES})
scores = st.decimals(min_value=D(0), max_value=D(150), places=4)
indicator_weights = st.decimals(min_value=D(0), max_value=D(100), places=2)
parts = st.lists(st.tuples(indicator_weights, scores), max_size=10)
STEPS = [(D("0.6"), D(60)), (D("0.8"), D(80)), (D(1), D(100))]


def exact_round(value: Fraction) -> Decimal:
    """ROUND_HALF_UP to 2 places of an exact fraction (away from zero at the half, like Decimal's)."""
    sign = -1 if value < 0 else 1
    cents = (abs(value) * 100 * 2 + 1) // 2  # floor(|x| × 100 + ½)
    return (D(sign * cents) / 100).quantize(D("0.01"))


# The worked example, row by row ----------------------------------------------------------------------


def test_worked_example_quantitative_rows():
    assert scoring.linear_score(D("0.96")) == 96
    assert scoring.linear_score(D("1.30"), cap=D("1.20")) == 120
    assert scoring.linear_score(D("0.55"), floor=D("0.60")) == 0


def test_worked_example_qualitative_rows():
    innovation = scoring.qualitative_score({"manager": [4], "self": [5], "peer": [4, 3]})
    assert innovation.score == 82
    assert innovation.by_role == {"manager": 80, "self": 100, "peer": 70}
    assert innovation.effective_weights == {"manager": D("0.6"), "self": D("0.2"), "peer": D("0.2")}

    teamwork = scoring.qualitative_score({"manager": [5], "self": [4], "peer": []})
    assert teamwork.score == 95
    assert teamwork.by_role == {"manager": 100, "self": 80}
    assert teamwork.effective_weights == {"manager": D("0.75"), "self": D("0.25")}


def test_worked_example_final_grade_coefficient_and_bonus():
    rows = [
        (D(40), scoring.linear_score(D("0.96"))),
        (D(20), scoring.linear_score(D("1.30"), cap=D("1.20"))),
        (D(10), scoring.linear_score(D("0.55"), floor=D("0.60"))),
        (D(15), scoring.qualitative_score({"manager": [4], "self": [5], "peer": [4, 3]}).score),
        (D(15), scoring.qualitative_score({"manager": [5], "self": [4]}).score),
    ]
    assert scoring.weights_total_error(w for w, _s in rows) is None
    final = scoring.final_score(rows)
    assert final == D("88.95")
    assert str(final) == "88.95"
    grade = grades.grade_for(final)
    assert grade == "A"
    coefficient = grades.DEFAULT_COEFFICIENTS[grade]
    assert coefficient == D("1.20")
    bonus = grades.bonus_amount(D(10000), coefficient)
    assert bonus == D("12000.00")
    assert str(bonus) == "12000.00"


# Quantitative: linear -------------------------------------------------------------------------------


def test_linear_defaults_cap_at_120_and_no_floor():
    assert scoring.linear_score(D("1.20")) == 120
    assert scoring.linear_score(D("1.2001")) == 120
    assert scoring.linear_score(D("5")) == 120
    assert scoring.linear_score(D("0.01")) == 1
    assert scoring.linear_score(D(0)) == 0


def test_linear_floor_is_inclusive_and_cap_none_means_uncapped():
    assert scoring.linear_score(D("0.60"), floor=D("0.60")) == 60
    assert scoring.linear_score(D("0.5999"), floor=D("0.60")) == 0
    assert scoring.linear_score(D("2.5"), cap=None) == 250


def test_linear_negative_achievement_scores_zero():
    assert scoring.linear_score(D("-0.3")) == 0
    assert scoring.linear_score(D("-0.3"), cap=None) == 0


@given(achievement=achievements, cap=caps)
def test_linear_within_zero_and_cap(achievement, cap):
    score = scoring.linear_score(achievement, cap=cap)
    assert 0 <= score <= cap * 100
    if 0 <= achievement <= cap:
        assert score == achievement * 100


@given(a=achievements, b=achievements, cap=caps, floor=st.none() | st.decimals(D(0), D(1), places=2))
def test_linear_monotone_in_achievement(a, b, cap, floor):
    low, high = sorted((a, b))
    assert scoring.linear_score(low, floor=floor, cap=cap) <= scoring.linear_score(high, floor=floor, cap=cap)


# Quantitative: step table ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("achievement", "score"),
    [
        ("0", 0),
        ("0.5999", 0),
        ("0.60", 60),
        ("0.7999", 60),
        ("0.80", 80),
        ("0.9999", 80),
        ("1", 100),
        ("1.00", 100),
        ("2.5", 100),
        ("-1", 0),
    ],
)
def test_step_table_example_at_its_boundaries(achievement, score):
    assert scoring.step_score(D(achievement), STEPS) == score


def test_step_table_order_does_not_matter_and_empty_table_scores_zero():
    assert scoring.step_score(D("0.85"), list(reversed(STEPS))) == 80
    assert scoring.step_score(D("0.85"), []) == 0


step_tables = st.lists(
    st.tuples(st.decimals(D(0), D(2), places=2), st.integers(0, 120).map(D)),
    max_size=6,
    unique_by=lambda t: t[0],
).map(
    # A sensible table: higher thresholds score higher (sort both columns independently).
    lambda rows: list(zip(sorted(t for t, _ in rows), sorted(s for _, s in rows), strict=True))
)


@given(a=achievements, b=achievements, steps=step_tables)
def test_step_score_monotone_and_one_of_the_steps(a, b, steps):
    low, high = sorted((a, b))
    low_score, high_score = scoring.step_score(low, steps), scoring.step_score(high, steps)
    assert low_score <= high_score
    allowed = {s for _t, s in steps} | {D(0)}
    assert low_score in allowed
    assert high_score in allowed


@given(achievement=achievements, steps=step_tables)
def test_step_score_is_the_highest_threshold_reached(achievement, steps):
    reached = [s for t, s in steps if achievement >= t]
    assert scoring.step_score(achievement, steps) == (reached[-1] if reached else 0)


# Qualitative ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rating", "score"), [(1, 20), (2, 40), (3, 60), (4, 80), (5, 100)])
def test_rating_scores_r_times_20(rating, score):
    assert scoring.rating_score(rating) == score
    assert scoring.rating_score(D(rating)) == score


def test_qualitative_without_any_rating_has_no_score():
    result = scoring.qualitative_score({})
    assert result.score is None
    assert result.effective_weights == {}
    assert scoring.qualitative_score({"manager": [], "peer": [], "self": []}).score is None


def test_qualitative_with_only_zero_weighted_kinds_has_no_score():
    result = scoring.qualitative_score({"peer": [3]}, {"manager": D(100), "peer": D(0)})
    assert result.score is None
    assert result.by_role == {"peer": 60}


def test_qualitative_manager_only_is_the_manager_score():
    result = scoring.qualitative_score({"manager": [3]})
    assert result.score == 60
    assert result.effective_weights == {"manager": 1}


def test_qualitative_peers_averaged_before_weighting():
    # Peers 5, 1, 1 average 46.67 (not three votes): 0.6×60 + 0.2×(140/3) + 0.2×80.
    result = scoring.qualitative_score({"manager": [3], "peer": [5, 1, 1], "self": [4]})
    exact = Fraction(6, 10) * 60 + Fraction(2, 10) * Fraction(140, 3) + Fraction(2, 10) * 80
    assert abs(Fraction(result.score) - exact) < Fraction(1, 10**28)


@given(given_ratings=kind_ratings, kind_weights=kind_weights)
def test_qualitative_within_20_and_100_and_between_kind_scores(given_ratings, kind_weights):
    result = scoring.qualitative_score(given_ratings, kind_weights)
    if not any(given_ratings.values()):
        assert result.score is None
        return
    assert 20 <= result.score <= 100
    assert min(result.by_role.values()) <= result.score <= max(result.by_role.values())
    assert set(result.effective_weights) == {r for r, given in given_ratings.items() if given}
    assert abs(sum(map(Fraction, result.effective_weights.values())) - 1) < Fraction(1, 10**32)


@given(given_ratings=kind_ratings, kind_weights=kind_weights, factor=st.integers(2, 1000).map(D))
def test_qualitative_invariant_to_scaling_all_weights(given_ratings, kind_weights, factor):
    scaled = {role: w * factor for role, w in kind_weights.items()}
    plain = scoring.qualitative_score(given_ratings, kind_weights).score
    bigger = scoring.qualitative_score(given_ratings, scaled).score
    assert plain == bigger


@given(given_ratings=kind_ratings, kind_weights=kind_weights)
def test_qualitative_renormalisation_equals_weighting_only_present_kinds(given_ratings, kind_weights):
    present = [role for role in ROLES if given_ratings[role]]
    result = scoring.qualitative_score(given_ratings, kind_weights)
    # Only the present kinds, with their weights as given: the same score as leaving the absent in.
    only_present = scoring.qualitative_score(
        {r: given_ratings[r] for r in present}, {r: kind_weights[r] for r in present}
    )
    assert result == only_present
    if present:
        # And the exact weighted mean of the present kinds' (peer-averaged) scores.
        total = sum(Fraction(kind_weights[r]) for r in present)
        exact = sum(
            Fraction(kind_weights[r]) / total * Fraction(sum(given_ratings[r]) * 20, len(given_ratings[r]))
            for r in present
        )
        assert abs(Fraction(result.score) - exact) < Fraction(1, 10**31)


@given(given_ratings=kind_ratings, kind_weights=kind_weights, seed=st.randoms(use_true_random=False))
def test_qualitative_independent_of_the_order_of_kinds(given_ratings, kind_weights, seed):
    roles = list(ROLES)
    seed.shuffle(roles)
    reordered = {role: given_ratings[role] for role in roles}
    assert scoring.qualitative_score(reordered, kind_weights) == scoring.qualitative_score(
        given_ratings, kind_weights
    )


def test_qualitative_equal_scores_stay_exact_under_thirds():
    thirds = {"manager": D(1), "peer": D(1), "self": D(1)}
    assert scoring.qualitative_score({"manager": [1], "peer": [1], "self": [1]}, thirds).score == 20
    assert scoring.qualitative_score({"manager": [5], "peer": [5, 5, 5], "self": [5]}, thirds).score == 100


def test_default_reviewer_weights_manager_and_self_only_renormalise_to_75_25():
    result = scoring.qualitative_score({"manager": [1], "self": [5]})
    assert result.effective_weights == {"manager": D("0.75"), "self": D("0.25")}
    assert result.score == D("0.75") * 20 + D("0.25") * 100


# Final score ----------------------------------------------------------------------------------------


def test_final_rounds_half_up_once_at_the_end():
    assert scoring.final_score([(D(50), D("0.01"))]) == D("0.01")  # 0.005 → 0.01, not banker's 0.00
    assert scoring.final_score([(D(50), D("0.03"))]) == D("0.02")  # 0.015 → 0.02
    assert scoring.final_score([(D(50), D("0.05"))]) == D("0.03")  # 0.025 → 0.03 (half-even would give 0.02)
    # Rounding each part first would give 0.01 + 0.01 = 0.02; the exact sum 0.008 rounds to 0.01.
    assert scoring.final_score([(D(10), D("0.04")), (D(10), D("0.04"))]) == D("0.01")


def test_final_of_nothing_is_zero_with_two_places():
    assert str(scoring.final_score([])) == "0.00"


@given(parts=parts)
def test_final_has_two_places_and_is_the_half_up_rounding_of_the_exact_sum(parts):
    final = scoring.final_score(parts)
    assert final.as_tuple().exponent == -2
    exact = sum((Fraction(w) * Fraction(s) / 100 for w, s in parts), Fraction(0))
    assert final == exact_round(exact)


@given(parts=parts, seed=st.randoms(use_true_random=False))
def test_final_independent_of_the_order_of_parts(parts, seed):
    shuffled = list(parts)
    seed.shuffle(shuffled)
    assert scoring.final_score(shuffled) == scoring.final_score(parts)
    assert scoring.final_score(reversed(parts)) == scoring.final_score(parts)


def test_final_with_one_third_scores_is_order_independent():
    # Peer-averaged scores carry 34 digits; the sum must not depend on where they come in the list.
    thirds = [
        (D(15), scoring.qualitative_score({"peer": [5, 4, 4]}).score),
        (D(15), D("95")),
        (D(70), D("83.35")),
    ]
    finals = {
        scoring.final_score(order) for order in (thirds, thirds[::-1], random.Random(1).sample(thirds, 3))
    }
    assert len(finals) == 1


def test_weights_total_error():
    assert scoring.weights_total_error([D(40), D(20), D(10), D(15), D(15)]) is None
    assert scoring.weights_total_error([D(40), D(20)]) == D(-40)
    assert scoring.weights_total_error([D(60), D("50.5")]) == D("10.5")
    assert scoring.weights_total_error([]) == D(-100)


@given(ws=st.lists(indicator_weights, max_size=8))
def test_weights_total_error_is_the_difference_from_100(ws):
    error = scoring.weights_total_error(ws)
    total = sum(ws, D(0))
    assert (error is None) == (total == 100)
    if error is not None:
        assert error == total - 100


def test_weighted_mean():
    assert scoring.weighted_mean([]) is None
    assert scoring.weighted_mean([(D(0), D(80))]) is None
    mean = scoring.weighted_mean([(D(40), D(96)), (D(20), D(120)), (D(10), D(0))])  # 6240 / 70
    assert abs(Fraction(mean) - Fraction(6240, 70)) < Fraction(1, 10**31)
    assert scoring.weighted_mean([(D(15), D(82)), (D(15), D(95))]) == D("88.5")


@given(parts=st.lists(st.tuples(weights, scores), min_size=1, max_size=8))
def test_weighted_mean_lies_between_the_scores(parts):
    mean = scoring.weighted_mean(parts)
    assert min(s for _w, s in parts) <= mean <= max(s for _w, s in parts)


def test_round_score_half_up():
    assert scoring.round_score(D("88.945")) == D("88.95")
    assert scoring.round_score(D("88.9449999")) == D("88.94")
    assert scoring.round_score(D("-0.005")) == D("-0.01")
    assert D("88.945").quantize(D("0.01"), rounding=ROUND_HALF_UP) == D("88.95")
