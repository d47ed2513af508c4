"""tracking.domain.opening_cumulative: what a period's actual adds to (one rule for the check-in
service and the weekly report's "previous" column). No database."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from lodestar.tracking.domain import opening_cumulative

D = Decimal
amounts = st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False, allow_infinity=False)
maybe = st.none() | amounts


def test_the_cases():
    assert opening_cumulative(previous_cumulative=D(15), value_before=D(3)) == D(15)
    # The item stood at 3 before its first check-in: the first check-in continues from there.
    assert opening_cumulative(previous_cumulative=None, value_before=D(3)) == D(3)
    # Correcting the first period keeps the base it was computed from (cumulative 5 − actual 2).
    assert opening_cumulative(previous_cumulative=None, same_period=(D(5), D(2)), value_before=D(5)) == D(3)
    # A late report of an earlier period, other check-ins existing: from the baseline.
    assert opening_cumulative(previous_cumulative=None, value_before=D(30), other_checkins=True) == D(0)
    assert opening_cumulative(previous_cumulative=None, baseline=D(10)) == D(10)


@given(previous=amounts, same=st.tuples(maybe, maybe), before=maybe, others=st.booleans(), baseline=maybe)
def test_an_earlier_check_in_always_wins(previous, same, before, others, baseline):
    assert (
        opening_cumulative(
            previous_cumulative=previous,
            same_period=same,
            value_before=before,
            other_checkins=others,
            baseline=baseline,
        )
        == previous
    )


@given(before=amounts, actual=amounts)
def test_resubmitting_the_first_period_is_stable(before, actual):
    """Submit the first period from `before`, then correct it: the base stays `before`."""
    base = opening_cumulative(previous_cumulative=None, value_before=before)
    cumulative = base + actual
    # after saving, the measure/item stands at `cumulative`; a correction recomputes from the row
    again = opening_cumulative(
        previous_cumulative=None, same_period=(cumulative, actual), value_before=cumulative
    )
    assert again == before
