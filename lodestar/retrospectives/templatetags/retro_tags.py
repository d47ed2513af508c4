"""`{{ rate|pct }}`: a fraction as a percent with two decimals (1.0666… → 106.67%), the retrospective's 达成率."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from lodestar.retrospectives.domain import as_percent

register = template.Library()


@register.filter
def pct2(value) -> str:
    if value in (None, ""):
        return "—"
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "—"
    return f"{as_percent(number)}%"
