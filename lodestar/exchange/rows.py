"""What every table's row reader shares: a row's problems and conflicts, and reading plain cells."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import override


class RowProblem(Exception):
    """A bad row: one or more (field, code, message); the import reports them with the row's line."""

    def __init__(self, field: str | None, code: str, message: str) -> None:
        super().__init__(message)
        self.items: list[tuple[str | None, str, str]] = [(field, code, str(message))]

    @classmethod
    def many(cls, problems: list[RowProblem]) -> RowProblem:
        first = problems[0]
        for other in problems[1:]:
            first.items.extend(other.items)
        return first


class RowConflict(Exception):
    """The row's record was changed in the app since the file was exported: reported, not overwritten."""


def cell_text(value: object) -> str:
    """A cell as text: numbers without a spurious ".0", dates as ISO dates, text stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def fraction_to_percent(number: Decimal) -> Decimal:
    """A percentage cell as percent points: a percent-formatted 60% arrives as 0.6 (so does "60%" typed as
    text); a plain 60 is already points. Values up to 1 are fractions, above 1 points (a weight of 1% is
    written 1%, i.e. 0.01)."""
    if abs(number) <= 1:
        return (number * 100).quantize(Decimal("0.01"))
    return number.quantize(Decimal("0.01"))


def choice_lookup(choices) -> dict[str, str]:
    """A TextChoices' values and labels in Chinese and English, normalised → value."""
    from lodestar.exchange.columns import normal_header

    lookup: dict[str, str] = {}
    for value, label in choices:
        lookup["".join(normal_header(value).split())] = value
        for language in ("zh-hans", "en"):
            with override(language):
                lookup["".join(normal_header(str(label)).split())] = value
    return lookup
