"""Display helpers for goal figures. Rates are stored unrounded and rounded only here."""

from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from lodestar.core.numbers import short_figure
from lodestar.core.templatetags.history_tags import history_action
from lodestar.goals.figures import describe_source_note

register = template.Library()

HEALTH_CLASSES = {
    "on_track": "bg-green-lt",
    "at_risk": "bg-yellow-lt",
    "off_track": "bg-red-lt",
    "not_started": "bg-secondary-lt",
    "achieved": "bg-green text-green-fg",  # final: the period is over
    "missed": "bg-red text-red-fg",
}
BAR_CLASSES = {
    "on_track": "bg-green",
    "at_risk": "bg-yellow",
    "off_track": "bg-red",
    "achieved": "bg-green",
    "missed": "bg-red",
}
STATUS_CLASSES = {
    "draft": "bg-secondary-lt",
    "consensus": "bg-purple-lt",
    "active": "bg-blue-lt",
    "closed": "bg-dark-lt",
    "cancelled": "bg-secondary-lt text-decoration-line-through",
}


@register.filter
def pct(value) -> str:
    """0.714285 → "71%" (DOMAIN.md: 71.4…, shown rounded); None → "—"."""
    if value is None or value == "":
        return "—"
    number = (Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{number}%"


@register.filter
def pct_width(value) -> str:
    """A progress-bar width between 0 and 100."""
    if value is None:
        return "0"
    number = max(Decimal(0), min(Decimal(value) * 100, Decimal(100)))
    return f"{number.quantize(Decimal('0.1'))}"


@register.filter
def amount(value) -> str:
    """5000000.0000 → "5,000,000"; 3.4000 → "3.4"."""
    if value is None or value == "":
        return "—"
    number = Decimal(value).normalize()
    if number == number.to_integral():
        return f"{number.quantize(Decimal(1)):,}"
    return f"{number:,f}"


@register.filter
def weight(value) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value).normalize():f}%"


@register.simple_tag
def health_badge(goal):
    label = goal.get_health_display()
    return format_html(
        '<span class="badge {}" data-health="{}">{}</span>',
        HEALTH_CLASSES.get(goal.health, ""),
        goal.health,
        label,
    )


@register.filter
def health_class(value: str) -> str:
    """The badge class of a health value ("off_track" → "bg-red-lt"), as health_badge uses."""
    return HEALTH_CLASSES.get(value, "")


@register.simple_tag
def status_badge(goal):
    return format_html(
        '<span class="badge {}" data-status="{}">{}</span>',
        STATUS_CLASSES.get(goal.status, ""),
        goal.status,
        goal.get_status_display(),
    )


@register.simple_tag
def progress_bar(value, health="not_started"):
    colour = BAR_CLASSES.get(health, "bg-secondary")
    return format_html(
        '<div class="progress progress-sm" role="progressbar" aria-valuenow="{}" aria-valuemin="0" '
        'aria-valuemax="100" aria-label="{}"><div class="progress-bar {}" style="width: {}%"></div></div>',
        pct_width(value),
        _("Progress"),
        colour,
        pct_width(value),
    )


def shown(value, unit: str) -> str:
    """A figure with its unit as pages show it in text (800万, 1.2亿元; core.numbers.short_figure)."""
    return short_figure(value, unit, language=get_language()) or "—"


@register.filter
def measure_condition(measure) -> str:
    """ "销售额 ≥ 500万元" style text of a measure's condition (曝光量 ≥ 200万, not 2,000,000)."""
    unit = measure.unit_display
    if measure.direction == "lower":
        return f"{measure.name} ≤ {shown(measure.target, unit)}"
    if measure.direction == "range":
        return f"{measure.name} {shown(measure.target, unit)}–{shown(measure.range_max, unit)}"
    if measure.baseline is not None:
        return f"{measure.name} {shown(measure.baseline, unit)} → {shown(measure.target, unit)}"
    return f"{measure.name} ≥ {shown(measure.target, unit)}"


@register.simple_tag
def goal_options(goals, selected=None):
    """<option>s "FY2026 · 全年销售额" for a goal filter, built in Python (hundreds of goals)."""
    selected_pk = getattr(selected, "pk", selected)
    return mark_safe(
        "".join(
            f'<option value="{g.pk}"{" selected" if g.pk == selected_pk else ""}>'
            f"{escape(g.period.label)} · {escape(g.name)}</option>"
            for g in goals
        )
    )


def adjusted(measure) -> bool:
    """Whether a measure's target was adjusted away from the one agreed at activation."""
    return measure.original_target is not None and measure.original_target != measure.target


def current_target_text(name: str, target, unit: str) -> str:
    """ "当前目标 销售额 550万元": the target in force, shown beside a title that may embed the old one."""
    return _("Current target %(measure)s %(target)s") % {"measure": name, "target": shown(target, unit)}


@register.simple_tag
def current_targets(goal):
    """Badges with the current target of each adjusted measure (titles that embed a target, e.g.
    "1300万", are not a source of truth). Uses the prefetched `goal.measures.all()`."""
    badges = [
        format_html(
            '<span class="badge bg-orange-lt ms-1" data-testid="current-target">{}</span>',
            current_target_text(m.name, m.target, m.unit_display),
        )
        for m in goal.measures.all()
        if adjusted(m)
    ]
    return mark_safe("".join(badges))


@register.filter
def measure_history_action(row) -> str:
    """A measure's history row: where its current value came from (goals.figures.source_note), in
    the reader's language, else the usual created / changed / deleted."""
    reason = getattr(row, "history_change_reason", None) or ""
    described = describe_source_note(reason)
    return f"{_('changed')} — {described}" if described else history_action(row)
