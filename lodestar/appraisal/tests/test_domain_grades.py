"""Grades, coefficients, bonus, the calibration guideline and a grade's consequences."""

import itertools
import math
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lodestar.appraisal.domain import grades

D = Decimal
score_values = st.decimals(min_value=D(0), max_value=D(150), places=2)
grade_letters = st.sampled_from(grades.GRADES)
bounds = st.decimals(min_value=D(0), max_value=D(100), places=2)


# Grades ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("100", "S"),
        ("95", "S"),
        ("94.99", "A"),
        ("88.95", "A"),
        ("85", "A"),
        ("84.99", "B"),
        ("70", "B"),
        ("69.99", "C"),
        ("0", "C"),
        ("120", "S"),
    ],
)
def test_default_thresholds(score, grade):
    assert grades.grade_for(D(score)) == grade


def test_with_a_c_threshold_below_it_is_d():
    thresholds = {"S": D(95), "A": D(85), "B": D(70), "C": D(60)}
    assert grades.grade_for(D(60), thresholds) == "C"
    assert grades.grade_for(D("59.99"), thresholds) == "D"
    assert grades.grade_for(D("59.99")) == "C"


@given(a=score_values, b=score_values)
def test_grade_for_monotone_in_score_with_defaults(a, b):
    low, high = sorted((a, b))
    assert grades.GRADES.index(grades.grade_for(low)) >= grades.GRADES.index(grades.grade_for(high))


ordered_thresholds = st.lists(bounds, min_size=3, max_size=4, unique=True).map(
    lambda values: dict(zip(grades.GRADES, sorted(values, reverse=True), strict=False))
)


@given(a=score_values, b=score_values, thresholds=ordered_thresholds)
def test_grade_for_monotone_in_score(a, b, thresholds):
    assert grades.thresholds_error(thresholds) is None
    low, high = sorted((a, b))
    low_grade, high_grade = grades.grade_for(low, thresholds), grades.grade_for(high, thresholds)
    assert grades.GRADES.index(low_grade) >= grades.GRADES.index(high_grade)
    # The grade is the highest whose bound the score reaches.
    reached = [g for g in grades.GRADES if g in thresholds and high >= thresholds[g]]
    assert high_grade == (reached[0] if reached else ("D" if "C" in thresholds else "C"))


def test_thresholds_error_names_the_first_out_of_order_grade():
    assert grades.thresholds_error(grades.DEFAULT_THRESHOLDS) is None
    assert grades.thresholds_error({"S": D(95), "A": D(95), "B": D(70)}) == "A"
    assert grades.thresholds_error({"S": D(95), "A": D(85), "B": D(90)}) == "B"
    assert grades.thresholds_error({"S": D(80), "A": D(85), "B": D(70)}) == "A"
    assert grades.thresholds_error({"S": D(95), "B": D(70), "C": D(75)}) == "C"
    assert grades.thresholds_error({"S": D(95), "B": D(70)}) is None  # A skipped, the rest ordered
    assert grades.thresholds_error({}) is None


@given(thresholds=st.dictionaries(st.sampled_from(("S", "A", "B", "C")), bounds))
def test_thresholds_error_detects_unordered_thresholds(thresholds):
    present = [thresholds[g] for g in grades.GRADES if g in thresholds]
    ordered = all(a > b for a, b in itertools.pairwise(present))
    error = grades.thresholds_error(thresholds)
    assert (error is None) == ordered
    if error is not None:
        above = [thresholds[g] for g in grades.GRADES[: grades.GRADES.index(error)] if g in thresholds]
        assert thresholds[error] >= above[-1]


def test_thresholds_and_coefficients_of_read_raw_values_or_default():
    assert grades.thresholds_of(None) == grades.DEFAULT_THRESHOLDS
    assert grades.thresholds_of({}) == grades.DEFAULT_THRESHOLDS
    assert grades.thresholds_of({"S": "96", "A": 86.5, "B": 71, "X": 1}) == {
        "S": D(96),
        "A": D("86.5"),
        "B": D(71),
    }
    assert grades.coefficients_of(None) == {"S": D("1.50"), "A": D("1.20"), "B": D("1.00"), "C": D("0.80")}
    assert grades.coefficients_of({"S": "2", "C": 0.5}) == {"S": D(2), "C": D("0.5")}
    # The defaults are copies: changing one does not change the module's.
    grades.thresholds_of(None)["S"] = D(1)
    assert grades.DEFAULT_THRESHOLDS["S"] == 95


# Bonus ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "bonus"), [("S", "15000.00"), ("A", "12000.00"), ("B", "10000.00"), ("C", "8000.00")]
)
def test_bonus_on_10000_per_grade(grade, bonus):
    amount = grades.bonus_amount(D(10000), grades.DEFAULT_COEFFICIENTS[grade])
    assert amount == D(bonus)
    assert str(amount) == bonus


def test_bonus_rounds_half_up_to_the_fen():
    assert grades.bonus_amount(D("0.05"), D("0.5")) == D("0.03")  # 0.025 → 0.03
    assert grades.bonus_amount(D("12345.67"), D("1.2")) == D("14814.80")


@given(base=st.decimals(D(0), D("1e7"), places=2), coefficient=st.decimals(D(0), D(3), places=2))
def test_bonus_is_base_times_coefficient_to_the_fen(base, coefficient):
    amount = grades.bonus_amount(base, coefficient)
    assert amount.as_tuple().exponent == -2
    assert abs(amount - base * coefficient) <= D("0.005")


# Calibration guideline ------------------------------------------------------------------------------


def test_distribution_of_twelve():
    dist = grades.distribution(["S", "S", "A", "A", "A", "B", "B", "B", "B", "B", "B", "B"])
    assert (dist.total, dist.s_limit, dist.c_floor, dist.s_over, dist.c_short) == (12, 1, 1, 1, 1)
    assert dist.counts == {"S": 2, "A": 3, "B": 7, "C": 0, "D": 0}
    assert not dist.within
    assert dist.share("S") == D(2) / 12
    assert dist.share("C") == 0


def test_distribution_counts_d_as_c_or_below():
    dist = grades.distribution(["A"] * 19 + ["D"])
    assert dist.c_floor == 1
    assert dist.c_short == 0
    assert dist.within


def test_empty_distribution():
    dist = grades.distribution([])
    assert (dist.total, dist.s_limit, dist.c_floor, dist.s_over, dist.c_short) == (0, 0, 0, 0, 0)
    assert dist.within
    assert dist.share("S") == 0


@pytest.mark.parametrize(
    ("n", "s_limit", "c_floor"),
    [(1, 0, 1), (9, 0, 1), (10, 1, 1), (19, 1, 1), (20, 2, 1), (21, 2, 2), (40, 4, 2)],
)
def test_distribution_limits_in_people(n, s_limit, c_floor):
    dist = grades.distribution(["B"] * n)
    assert (dist.s_limit, dist.c_floor) == (s_limit, c_floor)


@given(given_grades=st.lists(grade_letters, max_size=60))
def test_distribution_limits_floor_and_ceil(given_grades):
    n = len(given_grades)
    dist = grades.distribution(given_grades)
    assert dist.s_limit == math.floor(n * 10 / 100) == n // 10
    assert dist.c_floor == math.ceil(n * 5 / 100) == -(-n // 20)
    assert dist.s_over == max(0, given_grades.count("S") - dist.s_limit)
    assert dist.c_short == max(0, dist.c_floor - given_grades.count("C") - given_grades.count("D"))
    assert sum(dist.counts.values()) == n


@given(
    given_grades=st.lists(grade_letters, max_size=30),
    s_max=st.decimals(D(0), D(100), places=1),
    c_min=st.decimals(D(0), D(100), places=1),
)
def test_distribution_with_other_limits(given_grades, s_max, c_min):
    n = len(given_grades)
    dist = grades.distribution(given_grades, s_max=s_max, c_min=c_min)
    assert dist.s_limit == math.floor(n * s_max / 100)
    assert dist.c_floor == math.ceil(n * c_min / 100)


def _scored(given: list[tuple[str, Decimal]]) -> list[tuple[int, str, Decimal]]:
    return [(i + 1, grade, score) for i, (grade, score) in enumerate(given)]


def test_people_to_move_lowest_s_down_and_lowest_b_into_c():
    scored = _scored(
        [("S", D(99)), ("S", D(96)), ("A", D(90)), ("B", D(80)), ("B", D(72))] + [("B", D(75))] * 7
    )
    dist = grades.distribution(g for _i, g, _s in scored)
    assert (dist.s_over, dist.c_short) == (1, 1)
    assert grades.people_to_move(scored, dist) == {2: "A", 5: "C"}


def test_people_to_move_takes_a_when_there_is_no_b():
    scored = _scored([("S", D(99))] + [("A", D(86) + i) for i in range(9)])
    dist = grades.distribution(g for _i, g, _s in scored)
    assert (dist.s_over, dist.c_short) == (0, 1)
    assert grades.people_to_move(scored, dist) == {2: "C"}


def test_people_to_move_tops_up_with_a_when_there_are_not_enough_b():
    # 40 people need 2 C; there is one B, so the lowest A makes up the second.
    scored = _scored([("B", D(71))] + [("A", D(90) + i / D(10)) for i in range(39)])
    dist = grades.distribution(g for _i, g, _s in scored)
    assert dist.c_short == 2
    assert grades.people_to_move(scored, dist) == {1: "C", 2: "C"}


def test_nothing_to_move_when_within():
    scored = _scored([("S", D(99)), ("C", D(60))] + [("B", D(75))] * 8)
    dist = grades.distribution(g for _i, g, _s in scored)
    assert dist.within
    assert grades.people_to_move(scored, dist) == {}


def test_ties_broken_by_id():
    scored = _scored([("B", D(75)), ("B", D(75)), ("B", D(75))])
    assert grades.people_to_move(scored, grades.distribution(["B"] * 3)) == {1: "C"}


people = st.lists(st.tuples(grade_letters, score_values), max_size=45)


@given(given=people)
def test_people_to_move_suggests_s_over_plus_c_short_lowest_scoring(given):
    scored = _scored(given)
    dist = grades.distribution(g for g, _s in given)
    b_and_a = [r for r in scored if r[1] in ("B", "A")]
    assume(len(b_and_a) >= dist.c_short)
    moves = grades.people_to_move(scored, dist)
    assert len(moves) == dist.s_over + dist.c_short
    by_id = {i: (g, s) for i, g, s in scored}
    down_to_a = {i for i, g in moves.items() if g == "A"}
    into_c = {i for i, g in moves.items() if g == "C"}
    assert len(down_to_a) == dist.s_over
    assert len(into_c) == dist.c_short
    assert all(by_id[i][0] == "S" for i in down_to_a)
    assert all(by_id[i][0] in ("B", "A") for i in into_c)
    # The lowest-scoring ones: no S left in place scores below one moved down ...
    for i, g, s in scored:
        if g == "S" and i not in down_to_a:
            assert all(by_id[m][1] <= s for m in down_to_a)
        # ... and no B left scores below one moved into C; an A moves only once every B has.
        if g == "B" and i not in into_c:
            assert all(by_id[m][0] == "B" and by_id[m][1] <= s for m in into_c)
        if g == "A" and i not in into_c:
            assert all(by_id[m][0] == "B" or by_id[m][1] <= s for m in into_c)
    # Applying the moves brings the department within the guideline for S and C.
    after = grades.distribution(moves.get(i, g) for i, g, _s in scored)
    assert after.s_over == 0
    assert after.c_short == 0


@given(given=people)
def test_people_to_move_never_more_than_there_are(given):
    scored = _scored(given)
    dist = grades.distribution(g for g, _s in given)
    moves = grades.people_to_move(scored, dist)
    b_and_a = sum(1 for g, _s in given if g in ("B", "A"))
    assert len(moves) == dist.s_over + min(dist.c_short, b_and_a)


# Consequences ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quarters", "candidate"),
    [
        ([], False),
        (["S"], False),
        (["A", "A"], True),
        (["S", "A"], True),
        (["A", "B", "A"], False),
        (["B", "S", "S", "C"], True),
        (["C", "A", "B", "S"], False),
    ],
)
def test_promotion_candidate(quarters, candidate):
    assert grades.promotion_candidate(quarters) is candidate


@given(quarters=st.lists(grade_letters, max_size=12))
def test_promotion_candidate_iff_two_consecutive_a_or_s(quarters):
    marks = "".join("x" if g in ("S", "A") else "." for g in quarters)
    assert grades.promotion_candidate(quarters) is ("xx" in marks)


@pytest.mark.parametrize(
    ("grade", "pip"), [("S", False), ("A", False), ("B", False), ("C", True), ("D", True)]
)
def test_c_or_d_opens_a_pip(grade, pip):
    assert grades.opens_pip(grade) is pip


@pytest.mark.parametrize(
    ("old", "new", "effect"),
    [
        ("A", "C", "open"),
        ("B", "D", "open"),
        ("C", "D", "open"),  # the service opens one only when none is in progress
        ("C", "B", "close"),
        ("D", "S", "close"),
        ("A", "S", None),
        ("B", "A", None),
    ],
)
def test_what_a_regrade_does_to_the_improvement_plan(old, new, effect):
    assert grades.pip_after_regrade(old, new) == effect
