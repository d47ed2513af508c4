"""Measure pages: add, edit, report the current value, delete."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lodestar.core.http import page_view, service_errors
from lodestar.goals import services
from lodestar.goals.access import access_goal, access_measure
from lodestar.goals.forms import CurrentValueForm, MeasureForm

# --- measures ----------------------------------------------------------------------------


@page_view
def measure_add(request, goal_id: int):
    goal = access_goal(request.user, goal_id, write=True)
    form = MeasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        with service_errors(form):
            services.measure_create(actor=request.user, goal=goal, **data)
            messages.success(request, _("The measure was added."))
            return redirect("goals:detail", goal_id=goal.pk)
    return render(request, "goals/measure_form.html", {"form": form, "goal": goal, "measure": None})


@page_view
def measure_edit(request, measure_id: int):
    measure = access_measure(request.user, measure_id)
    goal = access_goal(request.user, measure.goal_id, write=True)
    initial = {
        f: getattr(measure, f)
        for f in (
            "name",
            "unit",
            "unit_label",
            "direction",
            "baseline",
            "target",
            "challenge",
            "range_max",
            "current",
            "weight",
            "version",
        )
    }
    initial["accumulates"] = "1" if measure.accumulates else "0"
    form = MeasureForm(request.POST or None, initial=initial)
    form.fields["version"].required = True  # editing: the version must come back
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        with service_errors(form):
            services.measure_update(actor=request.user, measure=measure, version=version, **data)
            messages.success(request, _("The measure was saved."))
            return redirect("goals:detail", goal_id=goal.pk)
    return render(request, "goals/measure_form.html", {"form": form, "goal": goal, "measure": measure})


@require_POST
@page_view
def measure_current(request, measure_id: int):
    """Report a measure's current value (owner or manager), inline on the detail page."""
    measure = access_measure(request.user, measure_id)
    form = CurrentValueForm(request.POST)
    if form.is_valid():
        with service_errors(request):
            services.measure_update(
                actor=request.user,
                measure=measure,
                version=form.cleaned_data["version"],
                current=form.cleaned_data["current"],
            )
            messages.success(
                request,
                _("%(name)s updated; the goal and its parents were recalculated.") % {"name": measure.name},
            )
    else:
        messages.error(request, _("Enter the current value as a number."))
    return redirect("goals:detail", goal_id=measure.goal_id)


@require_POST
@page_view
def measure_delete(request, measure_id: int):
    measure = access_measure(request.user, measure_id)
    with service_errors(request):
        services.measure_delete(actor=request.user, measure=measure)
        messages.success(request, _("The measure was deleted."))
    return redirect("goals:detail", goal_id=measure.goal_id)
