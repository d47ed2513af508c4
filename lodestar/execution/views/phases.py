"""The phases of a plan on the task table (预热期 → 爆发期 → 返场期): add, rename and date, reorder.

The card lists the phases of the plan the table shows: the goal's plan when a goal is chosen,
else the department's. Those who may plan items in the department change them (the same
services as POST /api/v1/phases), the others read them. HTMX forms swap the card; without
JavaScript each form posts and comes back to the table.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lodestar.core.errors import ApplicationError
from lodestar.core.http import int_param, page_view
from lodestar.execution import services
from lodestar.execution.access import access_phase, can_plan_in
from lodestar.goals.access import access_goal
from lodestar.org.permissions import access_department, require_person


def phase_plan(user, department, goal) -> dict | None:
    """The plan whose phases the table shows, its phases and whether `user` may change them."""
    if goal is not None:
        department = goal.department
    if department is None:
        return None
    return {
        "department": department,
        "goal": goal,
        "phases": list(services.plan_phases(department, goal)),
        "can_edit": can_plan_in(user, department),
        "query": urlencode({"department": department.pk, "goal": goal.pk if goal else ""}),
    }


def _date(value: str | None, field: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApplicationError(_("Enter a date as YYYY-MM-DD."), field=field, code="invalid_date") from None


def _answer(request, department, goal, *, error: str | None = None, notice: str | None = None):
    """The re-rendered card for HTMX, else back to the task table with a message."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif notice:
            messages.success(request, notice)
        query = urlencode({"department": department.pk, "goal": goal.pk if goal else ""})
        return redirect(f"{reverse('execution:table')}?{query}#phases")
    context = {"plan": phase_plan(request.user, department, goal), "error": error, "notice": notice}
    # 200 with the message in the card: htmx swaps only successful answers.
    return render(request, "execution/_phases.html", context)


@require_POST
@page_view
def phase_add(request):
    require_person(request.user)
    department = access_department(request.user, int_param(request.POST.get("department")) or 0)
    goal_id = int_param(request.POST.get("goal"))
    goal = access_goal(request.user, goal_id) if goal_id else None
    if goal is not None:
        department = goal.department
    try:
        phase = services.phase_create(
            actor=request.user,
            department=department,
            goal=goal,
            name=request.POST.get("name", ""),
            start=_date(request.POST.get("start"), "start"),
            end=_date(request.POST.get("end"), "end"),
        )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        return _answer(request, department, goal, error=exc.message)
    return _answer(request, department, goal, notice=_("Phase “%(name)s” added.") % {"name": phase.name})


@require_POST
@page_view
def phase_edit(request, phase_id: int):
    phase = access_phase(request.user, phase_id)
    try:
        if request.POST.get("move") in ("up", "down"):
            plan = list(services.plan_phases(phase.department, phase.goal))
            index = next(i for i, p in enumerate(plan) if p.pk == phase.pk)
            services.phase_move(
                actor=request.user, phase=phase, position=index + (-1 if request.POST["move"] == "up" else 1)
            )
            notice = _("Phases reordered.")
        else:
            services.phase_update(
                actor=request.user,
                phase=phase,
                version=int_param(request.POST.get("version")),
                name=request.POST.get("name", ""),
                start=_date(request.POST.get("start"), "start"),
                end=_date(request.POST.get("end"), "end"),
            )
            notice = _("Phase saved.")
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        return _answer(request, phase.department, phase.goal, error=exc.message)
    return _answer(request, phase.department, phase.goal, notice=notice)
