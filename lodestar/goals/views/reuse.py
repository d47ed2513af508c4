"""Reuse pages: goal templates (save, list, apply) and copying a period's goals."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, NotFound, PermissionDeniedError
from lodestar.core.http import int_param, page_view, service_errors
from lodestar.core.models import Period, PeriodKind
from lodestar.goals.access import access_goal, can_create_goal, visible_templates
from lodestar.goals.forms import CopyForm, TemplateForm
from lodestar.goals.services.reuse import goals_copy_to_period, template_apply, template_create_from_goals
from lodestar.goals.views.goals import writable_departments
from lodestar.org.models import Person
from lodestar.org.permissions import require_person

# --- templates and copy ------------------------------------------------------------------


@page_view
def templates(request):
    require_person(request.user)
    items = list(visible_templates(request.user).select_related("created_by", "department").order_by("name"))
    return render(request, "goals/templates.html", {"templates": items, "section": "templates"})


@page_view
def template_new(request):
    """Save selected goals (?goals=1,2,3 from the table) as a template (not for viewers)."""
    require_person(request.user)
    if not can_create_goal(request.user):
        raise PermissionDeniedError(_("Your role can view but not change data."))
    raw = request.GET.getlist("goal") + request.GET.get("goals", "").split(",")
    ids = list(dict.fromkeys(i for i in (int_param(x) for x in raw) if i))
    goals = [access_goal(request.user, i) for i in ids]
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            template = template_create_from_goals(actor=request.user, goals=goals, **form.cleaned_data)
            messages.success(request, _("Template “%(name)s” was saved.") % {"name": template.name})
            return redirect("goals:templates")
    return render(request, "goals/template_new.html", {"form": form, "goals": goals})


@page_view
def template_use(request, template_id: int):
    """Apply a template to several people at once, each with their own targets."""
    require_person(request.user)
    template = visible_templates(request.user).filter(pk=template_id).first()
    if template is None:
        raise NotFound(_("Template not found."))
    error = None
    periods = list(Period.objects.filter(is_closed=False).exclude(kind=PeriodKind.WEEK).order_by("-start"))
    people = list(
        Person.objects.filter(is_active=True)
        .select_related("department")
        .order_by("department__path", "display_name")
    )
    if request.method == "POST":
        period = next((p for p in periods if str(p.pk) == request.POST.get("period")), None)
        chosen = [p for p in people if str(p.pk) in request.POST.getlist("owner")]
        assignments = []
        for person in chosen:
            targets = {}
            for index, item in enumerate(template.items):
                for m_index, _m in enumerate(item.get("measures", [])):
                    value = request.POST.get(f"target-{person.pk}-{index}-{m_index}", "").strip()
                    if value:
                        targets[f"{index}.{m_index}"] = value
            assignments.append({"owner": person, "targets": targets})
        try:
            if period is None:
                raise ApplicationError(_("Choose an open period."), field="period")
            goals = template_apply(
                actor=request.user, template=template, period=period, assignments=assignments
            )
            messages.success(request, _("%(n)s goals were created from the template.") % {"n": len(goals)})
            return redirect("goals:templates")
        except ApplicationError as exc:
            error = exc.message
    return render(
        request,
        "goals/template_use.html",
        {
            "template": template,
            "periods": periods,
            "people": people,
            "error": error,
            "selected": request.POST.getlist("owner"),
        },
    )


@page_view
def copy_period(request):
    require_person(request.user)
    form = CopyForm(request.POST or None, departments=writable_departments(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(form):
            goals = goals_copy_to_period(
                actor=request.user,
                department=data["department"],
                source=data["source_period"],
                target=data["target_period"],
            )
            messages.success(
                request,
                _("%(n)s goals were copied as drafts; adjust their targets before consensus.")
                % {"n": len(goals)},
            )
            return redirect(
                f"{reverse('goals:table')}?department={data['department'].pk}"
                f"&period={data['target_period'].pk}"
            )
    return render(request, "goals/copy.html", {"form": form, "section": "copy"})
