import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from lodestar.retrospectives import domain

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2)


def test_the_domain_example_against_both_targets():
    rate, original = domain.achievement_pair(Decimal(4800000), Decimal(4500000), Decimal(5000000))
    assert domain.as_percent(original) == Decimal("96.00")
    assert domain.as_percent(rate) == Decimal("106.67")


def test_never_adjusted_gives_one_figure():
    assert domain.achievement_pair(Decimal(220), Decimal(200), None) == (Decimal("1.1"), Decimal("1.1"))


def test_lower_is_better_flips():
    rate, _original = domain.achievement_pair(Decimal(40), Decimal(50), Decimal(50), "lower")
    assert rate == Decimal("1.25")


@given(actual=amounts, target=amounts, original=amounts)
def test_rates_are_actual_over_each_target(actual, target, original):
    rate, original_rate = domain.achievement_pair(actual, target, original)
    assert rate == actual / target
    assert original_rate == actual / original
    assert abs(domain.as_percent(rate) - rate * 100) <= Decimal("0.005")


def test_due_date_per_cadence():
    end = dt.date(2024, 9, 30)
    assert domain.due_date(end, "quarter") == dt.date(2024, 10, 15)
    assert domain.due_date(end, "month") == dt.date(2024, 10, 7)
    assert domain.due_date(dt.date(2024, 12, 31), "year") == dt.date(2025, 1, 30)
    # A quarter closed late (on 12.05) gives its reviews their 15 days from the close, not overdue at once.
    assert domain.due_date(end, "quarter", opened_on=dt.date(2024, 12, 5)) == dt.date(2024, 12, 20)
    assert domain.due_date(end, "quarter", opened_on=dt.date(2024, 9, 20)) == dt.date(2024, 10, 15)


def test_cadence_of_period_kinds():
    assert [domain.cadence_of(k) for k in ("month", "quarter", "year", "week", "custom")] == [
        "month",
        "quarter",
        "year",
        None,
        None,
    ]


def test_overdue_from_the_day_after_due():
    due = dt.date(2024, 10, 15)
    assert not domain.is_overdue(due, due, completed=False)
    assert domain.is_overdue(due, due + dt.timedelta(days=1), completed=False)
    assert not domain.is_overdue(due, due + dt.timedelta(days=1), completed=True)


def test_due_reviews_top_goals_with_owner_and_their_departments():
    goals = [
        domain.GoalInScope(1, 10, 100, 0),
        domain.GoalInScope(2, 10, 101, 1),
        domain.GoalInScope(3, 10, 102, 2),  # too deep
        domain.GoalInScope(4, 20, None, 0),  # no owner
        domain.GoalInScope(5, 30, 103, 0),
    ]
    reviews = domain.due_reviews(goals, {10: 900, 30: None})
    assert [(r.scope, r.goal_id, r.owner_id) for r in reviews] == [
        ("goal", 1, 100),
        ("goal", 2, 101),
        ("goal", 5, 103),
        ("department", None, 900),
    ]


def test_most_cited_counts_and_keeps_first_cited_first_on_ties():
    assert domain.most_cited(["资源不足", "合作方延期", "资源不足", "内容质量", " 合作方延期 "], top=2) == [
        ("资源不足", 2),
        ("合作方延期", 2),
    ]


def test_item_buckets():
    end = dt.date(2024, 9, 30)
    assert domain.item_bucket("done", dt.date(2024, 9, 1), dt.date(2024, 8, 30), end) == "done"
    assert domain.item_bucket("done", dt.date(2024, 9, 1), dt.date(2024, 9, 3), end) == "late"
    assert domain.item_bucket("doing", dt.date(2024, 9, 1), None, end) == "late"
    assert domain.item_bucket("todo", dt.date(2024, 10, 9), None, end) == "open"
    assert domain.item_bucket("cancelled", None, None, end) == "dropped"


def test_a_stored_rate_keeps_six_places_rounded_half_up():
    # A department's mean of 0.96, 1.10 and 0.60 repeats: 0.8866666… → 0.886667 (the column keeps 6 places).
    assert domain.stored_rate((Decimal("0.96") + Decimal("1.10") + Decimal("0.60")) / 3) == Decimal(
        "0.886667"
    )
    assert domain.stored_rate(Decimal(480) / Decimal(450)) == Decimal("1.066667")
    assert domain.stored_rate(Decimal("0.96")) == Decimal("0.960000")
    assert domain.stored_rate(None) is None


@given(st.decimals(min_value=Decimal(0), max_value=Decimal(1000), allow_nan=False, allow_infinity=False))
def test_a_stored_rate_never_moves_a_shown_percent(rate):
    stored = domain.stored_rate(rate)
    assert abs(stored - rate) <= Decimal("0.0000005")
    assert stored.as_tuple().exponent == -6


def test_lower_is_better_to_zero_and_a_range_rate_like_the_goals():
    """Complaints 10 → 0, now 2: 80% (progress from the baseline, DOMAIN.md); 105 inside [100, 110]: 100%."""
    rate, original = domain.achievement_pair(Decimal(2), Decimal(0), None, "lower", baseline=Decimal(10))
    assert rate == original == Decimal("0.8")
    rate, _ = domain.achievement_pair(Decimal(105), Decimal(100), None, "range", range_max=Decimal(110))
    assert rate == Decimal(1)
