"""Reading spreadsheet cells (lodestar/core/parsing.py): numbers, rates, dates and their error codes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lodestar.core.parsing import (
    CellError,
    parse_date,
    parse_date_general,
    parse_number,
    parse_number_general,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("933,940", "933940"),
        ("1,234,567.50", "1234567.50"),
        ("  42 ", "42"),
        ("-17.5", "-17.5"),
        ("+3", "3"),
        ("(1,234)", "-1234"),
        ("123-", "-123"),
        ("12.5万", "125000"),
        ("1.2亿", "120000000"),
        ("-3万", "-30000"),
        ("3.2%", "0.032"),
        ("５‰", "0.005"),
        ("１２，３４５", "12345"),
        ("９３３，９４０．５", "933940.5"),
        (".5", "0.5"),
        (7, "7"),
        (0.1, "0.1"),
        (Decimal("2.50"), "2.50"),
    ],
)
def test_numbers(text, expected):
    assert parse_number(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        ("N/A", "not_available"),
        ("#N/A", "not_available"),
        ("--", "not_available"),
        ("暂无", "not_available"),
        ("abc", "not_a_number"),
        ("1,23", "not_a_number"),
        ("12,3456", "not_a_number"),
        ("1.2.3", "not_a_number"),
        ("%", "not_a_number"),
        ("万", "not_a_number"),
        (True, "not_a_number"),
        (float("nan"), "not_a_number"),
    ],
)
def test_number_errors(text, code):
    with pytest.raises(CellError) as caught:
        parse_number(text)
    assert caught.value.code == code


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_number_round_trip_with_separators(value):
    """Any amount written with thousands separators, with 万 or as a percentage reads back exactly."""
    assert parse_number(f"{value:,}") == value
    assert parse_number(f"{value}万") == value * 10_000
    assert parse_number(f"{value}%") == value / 100
    assert (
        parse_number(f"{value:,}".translate(str.maketrans("0123456789,.-", "０１２３４５６７８９，．－")))
        == value
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2031/7/1", dt.date(2031, 7, 1)),
        ("2031-07-01", dt.date(2031, 7, 1)),
        ("2031.7.1", dt.date(2031, 7, 1)),
        ("2031年7月1日", dt.date(2031, 7, 1)),
        ("2031/7/1 0:00:00", dt.date(2031, 7, 1)),
        ("２０３１/７/１", dt.date(2031, 7, 1)),
        ("47299", dt.date(2029, 6, 30)),
        (47299, dt.date(2029, 6, 30)),
        (47299.0, dt.date(2029, 6, 30)),
        (45658.75, dt.date(2025, 1, 1)),
        (dt.datetime(2031, 7, 1, 8, 30), dt.date(2031, 7, 1)),
        (dt.date(2031, 7, 1), dt.date(2031, 7, 1)),
    ],
)
def test_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("N/A", "not_available"),
        ("2031/2/30", "impossible_date"),
        ("2031-13-01", "impossible_date"),
        ("2031年2月29日", "impossible_date"),
        ("0800-01-01", "impossible_date"),
        ("1800/1/1", "impossible_date"),
        (60, "impossible_date"),
        (-5, "impossible_date"),
        ("9999999", "not_a_date"),
        ("tomorrow", "not_a_date"),
        ("7/1/2031", "not_a_date"),
    ],
)
def test_date_errors(text, code):
    with pytest.raises(CellError) as caught:
        parse_date(text)
    assert caught.value.code == code


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2999, 12, 31)))
def test_date_shapes_agree(day):
    """Every accepted shape of one day, and its Excel serial as a number or as text, is that day."""
    serial = (day - dt.date(1899, 12, 30)).days
    shapes = [
        f"{day.year}/{day.month}/{day.day}",
        day.isoformat(),
        f"{day.year}年{day.month}月{day.day}日",
        serial,
        float(serial),
        str(serial),
    ]
    assert {parse_date(shape) for shape in shapes} == {day}


def _same_outcome(fast, general, value):
    """Both readers give the same value (with the same exponent, and the same sign unless it is zero) or
    refuse the cell with the same code."""
    try:
        expected = general(value)
    except CellError as exc:
        with pytest.raises(CellError) as caught:
            fast(value)
        assert caught.value.code == exc.code
        return
    got = fast(value)
    assert got == expected
    if isinstance(got, Decimal):
        assert got.as_tuple().exponent == expected.as_tuple().exponent
        assert got.is_zero() or got.is_signed() == expected.is_signed()


_ASCII_NUMBERS = st.one_of(
    st.decimals(min_value=-(10**15), max_value=10**15, allow_nan=False, allow_infinity=False).map(
        lambda d: f"{d:,}"
    ),
    st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False).map(
        lambda d: f"{d}%"
    ),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.from_regex(r"\A[-+(]?[0-9,.]{0,12}[%‰万亿)-]?\Z"),
    st.text(alphabet="0123456789,.%- ０１，", max_size=12),
)


@given(_ASCII_NUMBERS)
@example("933,940.12")
@example("1,234.")
@example("3.50%")
@example("0%")
@example("3.%")
def test_number_fast_path_equals_general_path(text):
    """The fast paths of parse_number (plain, "933,940.12", "3.50%") read exactly as the general path."""
    _same_outcome(parse_number, parse_number_general, text)


_DATE_TEXTS = st.one_of(
    st.tuples(
        st.one_of(st.integers(min_value=1890, max_value=1910), st.integers(min_value=2990, max_value=3010)),
        st.integers(min_value=0, max_value=13),
        st.integers(min_value=0, max_value=32),
        st.sampled_from("/-."),
    ).map(lambda t: f"{t[0]:04d}{t[3]}{t[1]}{t[3]}{t[2]}"),
    st.tuples(
        st.integers(min_value=0, max_value=9999),
        st.integers(min_value=0, max_value=99),
        st.integers(min_value=0, max_value=99),
    ).map(lambda t: f"{t[0]:04d}/{t[1]}/{t[2]}"),
    st.dates().map(lambda d: f"{d.year}/{d.month:02d}/{d.day}"),
    st.from_regex(r"\A[0-9]{3,5}[/.\- ][0-9]{1,3}[/.\-][0-9]{1,3}\s?\Z"),
    st.text(alphabet="0123456789/-. 年月日", max_size=12),
)


@given(_DATE_TEXTS)
@example("1899/12/31")
@example("1900/1/1")
@example("2999-12-31")
@example("3000/1/1")
@example("2031/2/29")
@example("2032.02.29")
def test_date_fast_path_equals_general_path(text):
    """The ASCII date fast path (2031/7/1, 2031-07-01) and the cache read exactly as the general path."""
    _same_outcome(parse_date, parse_date_general, text)
