"""Figures on pages as a spreadsheet shows them: `{{ measure.current|figure:measure }}` → 800万, with the
exact figure (8,000,000) on hover. The rule is `core.numbers.short_figure`; the API and exports keep
exact decimals."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

from lodestar.core.numbers import exact_figure, money_text, short_figure

register = template.Library()


def unit_label(unit) -> str:
    """The unit written after a figure: a measure's `unit_display` (元, 万元, %, 篇…) or a label as is."""
    label = getattr(unit, "unit_display", unit)
    return "" if label is None else str(label)


@register.filter
def figure(value, unit="") -> str:
    """A figure with its unit, rounded for display only: 8000000 → <span title="8,000,000">800万</span>;
    None → "—". `unit` is a measure (its unit, 万元 converted to 元) or a unit label (篇, 元, %)."""
    label = unit_label(unit)
    language = get_language()
    short = short_figure(value, label, language=language)
    if short is None:
        return "—"
    exact = exact_figure(value, label, language=language)
    if exact == short:
        return format_html('<span class="figure">{}</span>', short)
    return format_html('<span class="figure" title="{}">{}</span>', exact, short)


@register.filter
def money(value) -> str:
    """An amount of money as it is shown on every appraisal page: 8000 → "8,000.00"; None → "—"."""
    text = money_text(value)
    return "—" if text is None else text
