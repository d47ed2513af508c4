"""Rows of the alignment tree: read as plain values and rendered in Python.

The tree is the page a director opens to see a whole division (hundreds of goals). Model
instances with four joined models and a template include per row cost ~1 ms a row; plain
values and `format_html` cost a few microseconds, which keeps the page within a small multiple
of the SQL that reads the same figures (bench/README.md). Figures are the stored roll-ups.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.db.models import F
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from lodestar.core.http import url_pattern
from lodestar.core.models import Period
from lodestar.goals.models import GoalKind, GoalStatus, HealthChoice, Measure
from lodestar.goals.templatetags.goal_tags import (
    BAR_CLASSES,
    HEALTH_CLASSES,
    STATUS_CLASSES,
    current_target_text,
    pct,
    pct_width,
    weight,
)

FIELDS = (
    "id",
    "parent_id",
    "name",
    "kind",
    "status",
    "depth",
    "weight",
    "achievement_rate",
    "progress",
    "health",
    "child_count",
    "period_id",
    "owner__display_name",
    "department__name",
)


@dataclass(slots=True)
class TreeRow:
    id: int
    parent_id: int | None
    name: str
    kind: str
    status: str
    depth: int
    weight: Decimal | None
    achievement_rate: Decimal | None
    progress: Decimal | None
    health: str
    child_count: int
    period_id: int
    owner_name: str | None
    department_name: str
    shown_children: int = 0  # children already in the list below this row ("expand all")


def rows_of(queryset) -> list[TreeRow]:
    return [TreeRow(*values) for values in queryset.values_list(*FIELDS)]


def depth_first(rows: list[TreeRow]) -> list[TreeRow]:
    """Each row followed by its descendants; a row whose parent is not in the list starts a branch."""
    present = {row.id for row in rows}
    by_parent: dict[int | None, list[TreeRow]] = defaultdict(list)
    for row in rows:
        by_parent[row.parent_id if row.parent_id in present else None].append(row)
    ordered: list[TreeRow] = []
    stack = list(reversed(by_parent[None]))
    while stack:
        row = stack.pop()
        row.shown_children = len(by_parent[row.id])
        ordered.append(row)
        stack.extend(reversed(by_parent[row.id]))
    return ordered


def render_rows(rows: list[TreeRow], known_periods: list[Period] = ()) -> SafeString:
    """The <tr>s of the tree table. Every text that comes from data or translations goes through
    `escape`; the rest are numbers and fixed markup. (Django's format_html per value costs more
    than all the rest of the page at a few hundred rows.) `known_periods`: periods the caller has
    read already (the rows' others are read here)."""
    if not rows:
        return mark_safe("")
    detail, children = url_pattern("goals:detail"), url_pattern("goals:tree_children")
    labels = {p.pk: p for p in known_periods}
    missing = {row.period_id for row in rows} - labels.keys()
    if missing:
        labels.update((p.pk, p) for p in Period.objects.filter(pk__in=missing))
    periods = {pk: escape(p.label) for pk, p in labels.items()}
    # Labels are lazy translations: resolve and escape each once, not once per row.
    kinds, statuses, healths = (
        {k: escape(str(v)) for k, v in c.choices} for c in (GoalKind, GoalStatus, HealthChoice)
    )
    show_sub_goals, progress_label = escape(_("Show sub-goals")), escape(_("Progress"))
    current = _current_targets([row.id for row in rows])
    html = []
    for row in rows:
        status = ""
        if row.status != GoalStatus.ACTIVE:
            status = (
                f' <span class="badge {STATUS_CLASSES.get(row.status, "")}" data-status="{escape(row.status)}">'
                f"{statuses.get(row.status, '')}</span>"
            )
        width = pct_width(row.progress)
        html.append(
            f'<tr id="tree-{row.id}" data-testid="tree-node" data-goal="{row.id}" data-depth="{row.depth}">'
            f'<td style="padding-left: calc({row.depth} * 1.5rem + .75rem)" class="text-nowrap">'
            f"{_toggle(row, detail, children, show_sub_goals)} "
            f'<a href="{detail.format(row.id)}" class="fw-bold">{escape(row.name)}</a> '
            f'<span class="badge bg-azure-lt ms-1">{kinds.get(row.kind, "")}</span>{status}'
            f"{current.get(row.id, '')}</td>"
            f"<td>{escape(row.owner_name or '—')}</td><td>{escape(row.department_name)}</td>"
            f'<td class="text-nowrap">{periods.get(row.period_id, "")}</td>'
            f'<td class="text-end">{weight(row.weight)}</td><td>{pct(row.achievement_rate)}</td>'
            f'<td><div class="d-flex justify-content-between small"><span>{pct(row.progress)}</span>'
            f'<span class="badge {HEALTH_CLASSES.get(row.health, "")}" data-health="{escape(row.health)}">'
            f"{healths.get(row.health, '')}</span></div>"
            f'<div class="progress progress-sm" role="progressbar" aria-valuenow="{width}" aria-valuemin="0" '
            f'aria-valuemax="100" aria-label="{progress_label}"><div class="progress-bar '
            f'{BAR_CLASSES.get(row.health, "bg-secondary")}" style="width: {width}%"></div></div></td></tr>'
        )
    return mark_safe("\n".join(html))


def _current_targets(goal_ids: list[int]) -> dict[int, str]:
    """Badges with the current target of the rows' adjusted measures (one query)."""
    adjusted = (
        Measure.objects.filter(goal_id__in=goal_ids, original_target__isnull=False)
        .exclude(target=F("original_target"))
        .order_by("sort_order", "id")
    )
    badges: dict[int, str] = defaultdict(str)
    for m in adjusted.only("goal_id", "name", "target", "unit", "unit_label", "original_target"):
        badges[m.goal_id] += (
            f'<span class="badge bg-orange-lt ms-1" data-testid="current-target">'
            f"{escape(current_target_text(m.name, m.target, m.unit_display))}</span>"
        )
    return badges


def _toggle(row: TreeRow, detail: str, children: str, label: str) -> str:
    if row.shown_children:
        return f'<span class="tree-toggle expanded" data-testid="tree-open">▾ {row.shown_children}</span>'
    if row.child_count:
        return (
            f'<a href="{detail.format(row.id)}" class="tree-toggle" aria-label="{label}" '
            f'hx-get="{children.format(row.id)}" hx-target="#tree-{row.id}" hx-swap="afterend" '
            f"hx-on::after-request=\"this.textContent = '▾ {row.child_count}'; this.classList.add('expanded')\" "
            f'data-testid="tree-expand">▸ {row.child_count}</a>'
        )
    return '<span class="tree-toggle text-secondary">·</span>'
