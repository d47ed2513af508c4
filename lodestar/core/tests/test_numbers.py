"""Figures for people (core.numbers.short_figure / exact_figure): 800万 and 1.2亿 on pages, the exact
figure on hover; pure functions, no database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lodestar.core.numbers import amount_str, exact_figure, short_figure

WORDS = {
    "万": Decimal(10**4),
    "亿": Decimal(10**8),
    "K": Decimal(10**3),
    "M": Decimal(10**6),
    "B": Decimal(10**9),
}
UPPER = {"": Decimal(10**4), "万": Decimal(10**4), "K": Decimal(1000), "M": Decimal(1000)}  # next word's size
MONEY = {"元": 1, "万元": 10**4}

# What the database holds: up to 14 digits before the point and 4 after (AMOUNT).
stored = st.decimals(
    min_value=Decimal(-(10**14)), max_value=Decimal(10**14), places=4, allow_nan=False, allow_infinity=False
)
units = st.sampled_from(["", "元", "万元", "篇", "人"])
languages = st.sampled_from(["zh-hans", "en"])


def parse(text: str, unit: str) -> tuple[Decimal, Decimal, str]:
    """A shown figure back into (value in the unit's base, the number before its word, the word)."""
    negative = text.startswith("-")
    text = text.removeprefix("-").removeprefix("¥")
    suffix = "元" if unit in MONEY else unit
    text = text.removesuffix(suffix) if suffix else text
    word = text[-1] if text and text[-1] in WORDS else ""
    number = Decimal((text[:-1] if word else text).replace(",", ""))
    value = number * WORDS.get(word, Decimal(1))
    return (-value if negative else value), number, word


@pytest.mark.parametrize(
    ("value", "unit", "zh", "en"),
    [
        ("8000000", "", "800万", "8M"),
        ("120000000", "元", "1.2亿元", "¥120M"),
        ("62500", "", "6.25万", "62.5K"),
        ("9999", "", "9,999", "9,999"),
        ("10000", "", "1万", "10K"),
        ("99999999", "", "1亿", "100M"),  # not 10000万: the word is chosen after rounding
        ("99500000", "", "9950万", "99.5M"),
        ("100000000", "", "1亿", "100M"),
        ("9999.999", "", "1万", "10K"),
        ("9999.994", "", "9,999.99", "9,999.99"),
        ("999999", "", "100万", "1M"),
        ("500", "万元", "500万元", "¥5M"),  # a 万元 measure in 元 first
        ("13000", "万元", "1.3亿元", "¥130M"),
        ("0.5", "万元", "5,000元", "¥5,000"),
        ("-8000000", "元", "-800万元", "-¥8M"),
        ("-12345", "篇", "-1.23万篇", "-12.35K篇"),
        ("3.85", "%", "3.85%", "3.85%"),
        ("1234567", "%", "1,234,567%", "1,234,567%"),  # a percentage is never scaled
        ("358.5", "元", "358.5元", "¥358.5"),
        ("3.8461", "篇", "3.85篇", "3.85篇"),
        ("0.0012", "", "0.0012", "0.0012"),  # a small figure keeps two significant digits
        ("0", "人", "0人", "0人"),
        ("50.0000", "篇", "50篇", "50篇"),
    ],
)
def test_examples(value, unit, zh, en):
    assert short_figure(value, unit, language="zh-hans") == zh
    assert short_figure(value, unit, language="en") == en


def test_exact_figures_and_nothing():
    assert exact_figure("8000000.0000", "") == "8,000,000"
    assert exact_figure("500", "万元") == "5,000,000元"
    assert exact_figure("500", "万元", language="en") == "¥5,000,000"
    assert exact_figure("-3.8461", "篇") == "-3.8461篇"
    assert short_figure(None) is None and exact_figure("") is None and short_figure("abc") is None
    assert short_figure("NaN") is None


@settings(max_examples=400, deadline=None)
@given(stored, units, languages)
def test_a_shown_figure_never_loses_magnitude(value, unit, language):
    """Within half a unit of its last shown decimal of the exact figure, in the right word
    (1 ≤ number < the next word), with the sign of the exact figure."""
    text = short_figure(value, unit, language=language)
    exact = value * MONEY.get(unit, 1)
    shown, number, word = parse(text, unit)
    size = WORDS.get(word, Decimal(1))
    if word or abs(exact) >= Decimal("0.005"):
        assert abs(shown - exact) <= size * Decimal("0.005")
    else:  # a small figure: two significant digits
        assert abs(shown - exact) <= abs(exact) * Decimal("0.05")
    if word:
        assert number >= 1
    if word in UPPER:
        assert number < UPPER[word]
    if word == "" and language != "en":
        assert abs(exact) < Decimal("9999.995")
    assert (shown < 0) == (exact < 0) and (shown == 0) == (exact == 0)


@settings(max_examples=300, deadline=None)
@given(stored, stored, units, languages)
def test_shown_figures_keep_the_order_of_the_exact_ones(a, b, unit, language):
    low, high = sorted([a, b])
    shown_low = parse(short_figure(low, unit, language=language), unit)[0]
    shown_high = parse(short_figure(high, unit, language=language), unit)[0]
    assert shown_low <= shown_high


@settings(max_examples=300, deadline=None)
@given(stored, units, languages)
def test_the_exact_figure_is_exact_and_the_api_string_unchanged(value, unit, language):
    assert parse(exact_figure(value, unit, language=language), unit)[0] == value * MONEY.get(unit, 1)
    assert Decimal(amount_str(value)) == value  # the API's number is not rounded for display


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("8000"), "8,000.00"),
        (Decimal("6400.00"), "6,400.00"),
        ("12000.5", "12,000.50"),
        (Decimal("1234567.005"), "1,234,567.01"),  # half up
        (Decimal("999.994"), "999.99"),
        (0, "0.00"),
        (Decimal("-0.001"), "0.00"),  # never "-0.00"
        (Decimal("-1500"), "-1,500.00"),
    ],
)
def test_money_has_thousands_separators_and_two_decimals(value, expected):
    from lodestar.core.numbers import money_text
    from lodestar.core.templatetags.figure_tags import money

    assert money_text(value) == expected
    assert money(value) == expected


@pytest.mark.parametrize("value", [None, "", "  ", "abc", Decimal("NaN")])
def test_money_without_an_amount_is_a_dash(value):
    from lodestar.core.numbers import money_text
    from lodestar.core.templatetags.figure_tags import money

    assert money_text(value) is None
    assert money(value) == "—"
