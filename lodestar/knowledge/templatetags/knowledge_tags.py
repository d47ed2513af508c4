"""Template filters of the knowledge library."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def rate2(value) -> str:
    """An achievement rate (a fraction) with two decimals, as the case figures and the annual report show
    it (DOMAIN.md §4: 700万 of 720万 → 97.22%, of 800万 → 87.50%); None or blank → "—"."""
    if value is None or value == "":
        return "—"
    try:
        number = (Decimal(value) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return "—"
    return f"{number}%"
