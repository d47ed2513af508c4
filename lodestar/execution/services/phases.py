"""Phases of a plan (预热期 → 爆发期 → 返场期): create, rename and date, reorder.

A phase belongs to a department's plan, or to a goal's plan (with the goal's department). Who
may plan items in the department may shape its phases (`can_plan_in`), in the pages and the API.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.services import Actor, bump_version, check_version, validated_save
from lodestar.execution import domain
from lodestar.execution.access import can_plan_in
from lodestar.execution.models import Phase
from lodestar.goals.closing_rules import check_goal_period_open
from lodestar.goals.models import Goal
from lodestar.org.models import Department

DEFAULT_PHASES = ("预热期", "爆发期", "返场期")


def _require_planner(actor: Actor, department: Department) -> None:
    if not can_plan_in(actor, department):
        raise PermissionDeniedError(
            _("You can plan items in your own department or in departments you manage.")
        )


def _clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Name the phase."), field="name", code="required")
    if len(name) > 60:
        raise ApplicationError(_("A phase's name can be at most 60 characters."), field="name")
    return name


def _check_span(start: dt.date | None, end: dt.date | None) -> None:
    if domain.dates_problem(start, end):
        raise ApplicationError(
            _("The end date is before the start date."), field="end", code="due_before_start"
        )


def plan_phases(department: Department, goal: Goal | None) -> QuerySet[Phase]:
    """The phases of one plan, in their order."""
    return Phase.objects.filter(department=department, goal=goal).order_by("sort_order", "start", "id")


@transaction.atomic
def phase_create(
    *,
    actor: Actor,
    department: Department,
    name: str,
    goal: Goal | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Phase:
    """Add a phase at the end of the plan of `department` (and `goal`, when given)."""
    _require_planner(actor, department)
    check_goal_period_open(goal, field="goal_id")
    name = _clean_name(name)
    _check_span(start, end)
    last = plan_phases(department, goal).last()
    return validated_save(
        Phase(
            department=department,
            goal=goal,
            name=name,
            start=start,
            end=end,
            sort_order=(last.sort_order + 1) if last is not None else 0,
        )
    )


@transaction.atomic
def phase_update(
    *,
    actor: Actor,
    phase: Phase,
    version: int | None,
    name: str,
    start: dt.date | None,
    end: dt.date | None,
) -> Phase:
    """Rename a phase and set its dates; a stale `version` → 409."""
    phase = Phase.objects.select_for_update().select_related("department").get(pk=phase.pk)
    _require_planner(actor, phase.department)
    check_goal_period_open(phase.goal, field="phase_id")
    check_version(phase, version)
    phase.name = _clean_name(name)
    _check_span(start, end)
    phase.start, phase.end = start, end
    bump_version(phase)
    phase.save()
    return phase


@transaction.atomic
def phase_move(*, actor: Actor, phase: Phase, position: int) -> list[Phase]:
    """Put a phase at `position` (0 = first) among its plan's phases and renumber them 0, 1, 2…
    Returns the plan's phases in their new order."""
    phase = Phase.objects.select_for_update().select_related("department").get(pk=phase.pk)
    _require_planner(actor, phase.department)
    check_goal_period_open(phase.goal, field="phase_id")
    phases = list(plan_phases(phase.department, phase.goal).select_for_update())
    others = [p for p in phases if p.pk != phase.pk]
    position = max(0, min(position, len(others)))
    ordered = [*others[:position], phase, *others[position:]]
    for index, row in enumerate(ordered):
        if row.sort_order != index:
            row.sort_order = index
            bump_version(row)
            row.save(update_fields=["sort_order", "version", "updated_at"])
    return ordered
