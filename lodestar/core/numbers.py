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
