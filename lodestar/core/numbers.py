"""How numbers leave the server (API.md "Numbers"): decimal strings, never floats.

- Rates and progress are fractions with exactly 4 places, rounded half up: 480/500 → "0.9600",
  5/7 → "0.7143".
- Quantities and money keep their significant places but at least two: 5000000 → "5000000.00",
  0.1234 → "0.1234"; a weight of 60 → "60.00".
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

RATE_QUANTUM = Decimal("0.0001")


def _decimal(value: Decimal | str | int | None) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def rate_str(value: Decimal | str | int | None) -> str | None:
    """A rate (a fraction: 0.96 is 96%) as a string with 4 places, or None when undefined."""
    number = _decimal(value)
    if number is None or not number.is_finite():
        return None
    rounded = number.quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)
    if rounded.is_zero():
        rounded = abs(rounded)  # never "-0.0000"
    return f"{rounded:f}"


def amount_str(value: Decimal | str | int | None, *, min_places: int = 2) -> str | None:
    """A quantity or amount as a plain decimal string with at least `min_places` places."""
    number = _decimal(value)
    if number is None or not number.is_finite():
        return None
    if number.is_zero():
        number = Decimal(0)
    number = number.normalize()
    if number.as_tuple().exponent > -min_places:
        number = number.quantize(Decimal(1).scaleb(-min_places))
    return f"{number:f}"


def money_text(value: Decimal | str | int | None) -> str | None:
    """Money and amounts for people (the appraisal pages' pay bases and bonuses, the dashboards' tables):
    thousands separators and exactly two decimals, rounded half up: 8000 → "8,000.00", 6400.005 → "6,400.01".
    None when there is no amount. Display only: the API and exports keep `amount_str`."""
    number = _decimal(value)
    if number is None or not number.is_finite():
        return None
    rounded = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if rounded.is_zero():
        rounded = abs(rounded)  # never "-0.00"
    return f"{rounded:,.2f}"


# --- figures for people: 800万, 1.2亿 (display only; the API and exports keep exact decimals) ---

FIGURE_PLACES = 2  # at most two decimals in a figure shown to people: 6.25万, 1.2亿, 3.85%
_TWO_PLACES = Decimal("0.01")
_WAN = Decimal(10_000)
_YI = Decimal(100_000_000)
# Magnitudes, largest first: (size, word). From `_FROM` on, a figure is shown in the largest word
# it reaches. Chinese counts in 万 and 亿 (DOMAIN.md: 500万, 1.2亿); English in thousands,
# millions and billions, also from 10,000 on, so that 9,999 stays a plain number in both.
_MAGNITUDES = {
    "zh": ((_YI, "亿"), (_WAN, "万")),
    "en": ((Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(1000), "K")),
}
_FROM = _WAN  # below this a figure is shown as it is, with thousands separators
_MONEY = {"元": Decimal(1), "万元": _WAN, "亿元": _YI}  # a money label and the 元 in one of its units


def _language(language: str | None) -> str:
    return "en" if (language or "").lower().startswith("en") else "zh"


def _plain(number: Decimal, *, group_from: Decimal = Decimal(1000)) -> str:
    """A non-negative decimal without trailing zeros, with thousands separators from `group_from`
    on: 12,345.6 (a figure in 万 has at most four digits before the point and none: 9950万)."""
    number = number.normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return f"{number:,f}" if number >= group_from else f"{number:f}"


def _rounded(number: Decimal) -> Decimal:
    """Two decimals, rounded half up; a small non-zero number keeps two significant digits
    (0.0012) instead of becoming 0."""
    rounded = number.quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)
    if rounded.is_zero() and not number.is_zero():
        exponent = number.adjusted() - 1  # two significant digits
        rounded = number.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    return rounded


def _with_unit(text: str, negative: bool, label: str, language: str) -> str:
    sign = "-" if negative else ""
    if label in _MONEY and language == "en":
        return f"{sign}¥{text}"  # RMB, as a Chinese company's English documents write it: ¥8M
    return f"{sign}{text}{'元' if label in _MONEY else label}"


def short_figure(
    value: Decimal | str | int | None, unit: str = "", *, language: str | None = "zh"
) -> str | None:
    """A figure as people read it in a spreadsheet, for display only (None when there is none).

    `unit` is the measure's or item's unit as written after the number (元, 万元, 篇, 人, %, or "").
    In Chinese, from 1万 on the figure is counted in 万 and from 1亿 in 亿, with at most two
    decimals (rounded half up): 8,000,000 → 800万, 120,000,000 → 1.2亿, 62,500 → 6.25万; below
    1万 it is shown whole with thousands separators (9,999; 358.5元). In English, the same rule in
    thousands, millions and billions (a Chinese company's English reader thinks in millions, not
    in 万): 8M, 120M, 62.5K, and money as ¥8M. A figure of 万元 is converted to 元 first, so 500万元
    is 500万元 and 13,000万元 is 1.3亿元. Percentages are never scaled (3.85%).

    Never loses magnitude: the word is chosen after rounding (99,999,999 → 1亿, not 10000万;
    9,999.999 → 1万), the figure shown is within half a unit of its last decimal of the exact one,
    and a small non-zero figure keeps two significant digits (0.0012) instead of showing 0.
    The exact figure is `exact_figure`; pages show it on hover.
    """
    number = _decimal(value)
    if number is None or not number.is_finite():
        return None
    try:
        return _short(number, unit, _language(language))
    except InvalidOperation:  # beyond 28 digits (no stored figure is): the exact figure
        return exact_figure(number, unit, language=language)


def _short(number: Decimal, unit: str, language: str) -> str:
    number = number * _MONEY.get(unit, Decimal(1))
    negative, size = number < 0, abs(number)
    if unit == "%":
        return _with_unit(_plain(_rounded(size)), negative, unit, language)
    ladder = _MAGNITUDES[language][::-1]  # smallest first
    level = -1  # -1: a plain figure; else the index of its word in `ladder`
    upper: Decimal | None  # the figure from which the next word is due
    for index, (magnitude, _word) in enumerate(ladder):
        if size >= (_FROM if index == 0 else magnitude):
            level = index
    while True:
        if level < 0:
            shown, upper = _rounded(size), _FROM
        else:
            magnitude = ladder[level][0]
            shown = (size / magnitude).quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)
            upper = ladder[level + 1][0] / magnitude if level + 1 < len(ladder) else None
        if upper is not None and shown >= upper:  # 9,999.999万 rounds to 10000万: that is 1亿
            level += 1
            continue
        break
    word = ladder[level][1] if level >= 0 else ""
    text = _plain(shown, group_from=_WAN) if word else _plain(shown)
    return _with_unit(f"{text}{word}", negative and not shown.is_zero(), unit, language)


def exact_figure(
    value: Decimal | str | int | None, unit: str = "", *, language: str | None = "zh"
) -> str | None:
    """The exact figure with its unit, as stored (万元 in 元): 8,000,000元, ¥8,000,000, 3.8462篇."""
    number = _decimal(value)
    if number is None or not number.is_finite():
        return None
    language = _language(language)
    number = number * _MONEY.get(unit, Decimal(1))
    return _with_unit(_plain(abs(number)), number < 0, unit, language)
