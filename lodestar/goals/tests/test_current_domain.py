"""goals.domain.combined_current: how item quantities and a measure's own check-ins combine into
its current value (issue 11: never overwrite, never double count). No database."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from lodestar.goals.domain import CurrentInputs, CurrentSource, combined_current

D = Decimal
amounts = st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False, allow_infinity=False)


def test_the_seeds_example_32_plus_an_items_week_of_5():
    # The measure's check-in says 32; an item then reports 5 notes for a later week.
    assert combined_current(CurrentInputs(stock_take=D(32), items_total=D(5))) == (
        D(37),
        CurrentSource.CHECKIN_ITEMS,
    )
    # The owner reports that week: 40 in all, the 5 included.
    assert combined_current(CurrentInputs(stock_take=D(40), stock_take_items=D(5), items_total=D(5))) == (
        D(40),
        CurrentSource.CHECKIN,
    )


def test_without_a_checkin_the_opening_value_plus_the_items():
    assert combined_current(CurrentInputs(opening=D(20), items_total=D(8))) == (D(28), CurrentSource.ITEMS)
    assert combined_current(CurrentInputs(items_total=D(8))) == (D(8), CurrentSource.ITEMS)
    assert combined_current(CurrentInputs(opening=D(20))) == (D(20), CurrentSource.ENTERED)
    assert combined_current(CurrentInputs()) == (None, CurrentSource.NONE)


def test_items_do_not_add_to_a_level():
    inputs = CurrentInputs(accumulates=False, stock_take=D("0.18"), items_total=D(5))
    assert combined_current(inputs) == (D("0.18"), CurrentSource.CHECKIN)
    assert combined_current(CurrentInputs(accumulates=False, opening=D("0.15"), items_total=D(5)))[0] == D(
        "0.15"
    )


@given(stock=amounts, included=amounts, later=amounts)
def test_items_after_the_stock_take_add_once(stock, included, later):
    """Whatever the stock-take already includes is not added again; what came after is added once."""
    value, _source = combined_current(
        CurrentInputs(stock_take=stock, stock_take_items=included, items_total=included + later)
    )
    assert value == stock + later


@given(stock=amounts, items=amounts, more=amounts)
def test_more_item_work_never_lowers_and_a_new_stock_take_replaces(stock, items, more):
    before, _ = combined_current(CurrentInputs(stock_take=stock, stock_take_items=items, items_total=items))
    after, _ = combined_current(
        CurrentInputs(stock_take=stock, stock_take_items=items, items_total=items + more)
    )
    assert after >= before == stock
    # A stock-take taken now counts everything reported so far: the items are not added on top.
    retaken, _ = combined_current(
        CurrentInputs(stock_take=after, stock_take_items=items + more, items_total=items + more)
    )
    assert retaken == after
