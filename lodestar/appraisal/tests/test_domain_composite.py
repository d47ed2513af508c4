"""The annual composite: 30% monthly mean + 40% quarterly mean + 30% annual, missing parts renormalised."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from lodestar.appraisal.domain import composite as comp

D = Decimal
finals = st.decimals(min_value=D(0), max_value=D(120), places=2)
months = st.lists(finals, min_size=1, max_size=12)
quarters = st.lists(finals, min_size=1, max_size=4)
years = st.lists(finals, min_size=1, max_size=1)
part_weights = st.decimals(min_value=D(1), max_value=D(100), places=0)


def exact_round(value: Fraction) -> Decimal:
    cents = (value * 100 * 2 + 1) // 2  # half up, value ≥ 0
    return (D(cents) / 100).quantize(D("0.01"))


def mean(values) -> Fraction:
    return sum(map(Fraction, values), Fraction(0)) / len(values)


def test_worked_example():
    result = comp.composite({"month": [D(80), D(90), D(100)], "quarter": [D("88.95")], "year": [D(92)]})
    assert result.final_score == D("90.18")
    assert str(result.final_score) == "90.18"
    assert not result.renormalised
    by_part = {p.part: p for p in result.parts}
    assert by_part["month"].mean == 90
    assert by_part["month"].finals == (D(80), D(90), D(100))
    assert by_part["quarter"].mean == D("88.95")
    assert by_part["year"].mean == 92
    assert {p: by_part[p].effective_weight for p in comp.PARTS} == {
        "month": D("0.3"),
        "quarter": D("0.4"),
        "year": D("0.3"),
    }
    assert not any(p.missing for p in result.parts)


def test_without_monthly_finals_the_rest_is_renormalised():
    result = comp.composite({"quarter": [D("88.95")], "year": [D(92)]})
    # (0.4 × 88.95 + 0.3 × 92) / 0.7 = 63.18 / 0.7 = 90.2571…
    assert result.final_score == D("90.26")
    assert result.renormalised
    by_part = {p.part: p for p in result.parts}
    assert by_part["month"].missing
    assert by_part["month"].effective_weight is None
    assert by_part["month"].mean is None
    assert by_part["month"].finals == ()
    assert abs(Fraction(by_part["quarter"].effective_weight) - Fraction(4, 7)) < Fraction(1, 10**33)


def test_empty_lists_count_as_missing():
    result = comp.composite({"month": [], "quarter": [], "year": [D(75)]})
    assert result.final_score == D("75.00")
    assert result.renormalised


def test_nothing_at_all_has_no_composite():
    result = comp.composite({})
    assert result.final_score is None
    assert not result.renormalised
    assert [p.part for p in result.parts] == list(comp.PARTS)
    assert all(p.missing for p in result.parts)


def test_a_zero_weighted_part_is_left_out_without_counting_as_renormalised():
    weights = {"month": D(0), "quarter": D(50), "year": D(50)}
    result = comp.composite({"month": [D(10)], "quarter": [D(80)], "year": [D(90)]}, weights)
    assert result.final_score == D("85.00")
    assert not result.renormalised
    by_part = {p.part: p for p in result.parts}
    assert by_part["month"].effective_weight is None
    assert by_part["month"].mean == 10  # still shown


def test_rounds_half_up():
    # 0.3 × 80 + 0.4 × 80.01 + 0.3 × 80 = 80.004 → 80.00; with 80.0125 (mean of 80.01, 80.015) → 80.005 → 80.01
    assert comp.composite({"month": [D(80)], "quarter": [D("80.01")], "year": [D(80)]}).final_score == D(
        "80.00"
    )
    result = comp.composite({"month": [D(80)], "quarter": [D("80.01"), D("80.015")], "year": [D(80)]})
    assert result.final_score == D("80.01")


def test_an_exact_half_cent_rounds_up_even_when_a_mean_does_not_terminate():
    # 0.3 × (0 + 0 + 68.35) / 3 = 6.835 exactly → 6.84. Rounding the mean 22.78333… to 34 digits before
    # weighting made it 6.834999… → 6.83 (the bug hypothesis found; the composite is now exact).
    result = comp.composite({"month": [D(0), D(0), D("68.35")], "quarter": [D(0)], "year": [D(0)]})
    assert result.final_score == D("6.84")
    assert str(result.final_score) == "6.84"


def test_finals_with_more_digits_than_the_context_are_not_rounded_before_the_end():
    # 80.004999…9 (38 digits) is below the half cent: the sum of the finals must not round it up first.
    value = D("80.004999999999999999999999999999999999")
    assert comp.composite({"year": [value]}).final_score == D("80.00")
    assert comp.composite({"month": [value], "quarter": [value], "year": [value]}).final_score == D("80.00")


def test_negative_values_round_half_away_from_zero_and_zero_is_not_negative():
    # Finals are never negative in practice; the rule still mirrors ROUND_HALF_UP and never shows "-0.00".
    assert comp.composite({"year": [D("-1.005")]}).final_score == D("-1.01")
    zero = comp.composite({"year": [D("-0.004")]}).final_score
    assert zero == 0 and str(zero) == "0.00"


@given(part=st.sampled_from(comp.PARTS), values=months)
def test_one_present_part_is_its_mean_rounded(part, values):
    result = comp.composite({part: values})
    assert result.final_score == exact_round(mean(values))
    assert result.renormalised
    (present,) = [p for p in result.parts if not p.missing]
    assert present.part == part
    assert present.effective_weight == 1


@given(month=months, quarter=quarters, year=years)
def test_all_three_present_is_the_weighted_formula(month, quarter, year):
    result = comp.composite({"month": month, "quarter": quarter, "year": year})
    exact = Fraction(3, 10) * mean(month) + Fraction(4, 10) * mean(quarter) + Fraction(3, 10) * mean(year)
    assert result.final_score == exact_round(exact)
    assert result.final_score.as_tuple().exponent == -2
    assert not result.renormalised


@given(
    month=st.none() | months,
    quarter=st.none() | quarters,
    year=st.none() | years,
    weights=st.fixed_dictionaries({p: part_weights for p in comp.PARTS}),
)
def test_missing_parts_renormalised(month, quarter, year, weights):
    given_finals = {
        p: v for p, v in (("month", month), ("quarter", quarter), ("year", year)) if v is not None
    }
    result = comp.composite(given_finals, weights)
    if not given_finals:
        assert result.final_score is None
        return
    total = sum(Fraction(weights[p]) for p in given_finals)
    exact = sum(Fraction(weights[p]) / total * mean(v) for p, v in given_finals.items())
    assert result.final_score == exact_round(exact)
    assert result.renormalised == (len(given_finals) < 3)
    lowest = min(min(v) for v in given_finals.values())
    highest = max(max(v) for v in given_finals.values())
    assert lowest.quantize(D("0.01")) <= result.final_score <= highest.quantize(D("0.01"))


@given(month=months, quarter=quarters, year=years, factor=st.integers(2, 50))
def test_scaling_all_weights_changes_nothing(month, quarter, year, factor):
    finals_by_part = {"month": month, "quarter": quarter, "year": year}
    scaled = {p: w * factor for p, w in comp.DEFAULT_WEIGHTS.items()}
    assert comp.composite(finals_by_part, scaled).final_score == comp.composite(finals_by_part).final_score
