"""Execution pages: the task decomposition table (inline and bulk edit), my work and the RACI
matrix, with the page scope the board and timeline share. Item detail lives in views/detail.py,
kanban and timeline in views/board.py."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.http import int_param, page_view, service_errors
from lodestar.execution import domain, selectors, services
from lodestar.execution.access import (
    access_item,
    can_manage_item,
    can_plan_in,
    can_work_on_item,
    visible_items,
    visible_phases,
)
from lodestar.execution.forms import BulkForm, ItemForm, RowForm
from lodestar.execution.models import ActionItem, ItemStatus
from lodestar.execution.views.phases import phase_plan
from lodestar.goals.access import access_goal, visible_goals
from lodestar.goals.closing_rules import frozen_goal_q
from lodestar.goals.models import GoalStatus
from lodestar.org.models import Department, Person
from lodestar.org.permissions import access_department, can_write, person_of, require_person


def plan_scope(request) -> tuple[Department | None, object | None]:
    """The department and goal a plan page is about (?department=, ?goal=), defaulting to my department."""
    goal_id = int_param(request.GET.get("goal"))
    goal = access_goal(request.user, goal_id) if goal_id else None
    department_id = int_param(request.GET.get("department"))
    if department_id:
        department = access_department(request.user, department_id)
    elif goal is not None or "department" in request.GET:
        department = None  # a goal's plan, or "all departments" chosen explicitly
    else:
        person = person_of(request.user)
        department = person.department if person else None
    return department, goal


def scoped_items(user, department, goal, *, phase=None, show_cancelled: bool = False):
    """The visible items of a plan page's scope (department subtree, goal, phase), filtered by
    ItemFilter, the filter GET /api/v1/items uses; cancelled items only on request."""
    params = {"department_id": department, "goal_id": goal, "phase_id": phase}
    items = selectors.item_list(user, {key: obj.pk for key, obj in params.items() if obj is not None})
    if not show_cancelled:
        items = items.exclude(status=ItemStatus.CANCELLED)
    return items


def frozen_item_ids(items: list[ActionItem]) -> set[int]:
    """The items whose goal is frozen by a period close (goals/closing_rules.py), in one query."""
    if not items:
        return set()
    return set(
        ActionItem.all_objects.filter(frozen_goal_q("goal__"), pk__in=[i.pk for i in items]).values_list(
            "pk", flat=True
        )
    )


def annotate_for_display(user, items: list[ActionItem], today) -> None:
    """RACI by letter, overdue flag and the caller's rights, from prefetched rows (no queries per item).

    Items of a goal in a closed period are read-only (goals/closing_rules.py): no rights to show."""
    frozen = frozen_item_ids(items)
    for item in items:
        item.letters = selectors.letters_by_role(item)
        item.is_overdue = domain.is_overdue(item.due, item.status, today)
        item.completion = domain.completion_rate(item.planned_quantity, item.actual_quantity)
        item.frozen = item.pk in frozen
        if item.goal_id:
            item.goal._frozen_cache = item.frozen  # the {% may %} checks ask the goal again
        item.can_work = not item.frozen and can_work_on_item(user, item)
        item.can_manage = not item.frozen and can_manage_item(user, item)


def _filters_context(request, department, goal) -> dict:
    return {
        "department": department,
        "goal": goal,
        **selectors.scope_filter_choices(request.user, department),
        "scope_query": f"department={department.pk if department else ''}&goal={goal.pk if goal else ''}",
    }


@page_view
def item_table(request):
    """The task decomposition table (seed 003, template 1): task, owner, start–end, deliverable,
    priority, resource needs — editable in place, with bulk edit for many rows."""
    require_person(request.user)
    department, goal = plan_scope(request)
    today = timezone.localdate()
    items = (
        list(
            scoped_items(request.user, department, goal, show_cancelled=bool(request.GET.get("show_closed")))
        )
        if (department or goal)
        else []
    )
    annotate_for_display(request.user, items, today)
    phases = defaultdict(list)
    for item in items:
        phases[item.phase].append(item)
    return render(
        request,
        "execution/table.html",
        {
            **_filters_context(request, department, goal),
            "groups": sorted(
                phases.items(), key=lambda kv: (kv[0] is None, kv[0].sort_order if kv[0] else 0)
            ),
            "items": items,
            "today": today,
            "can_plan": can_plan_in(request.user, department) if department else can_write(request.user),
            "can_bulk_edit": any(item.can_manage for item in items),
            "hidden_items": 0
            if items or not (department or goal)
            else selectors.hidden_item_count(request.user, department=department, goal=goal),
            "bulk_form": BulkForm(),
            "phase_plan": phase_plan(request.user, department, goal),
            "section": "table",
        },
    )


@page_view
def my_work(request):
    require_person(request.user)
    today = timezone.localdate()
    groups = selectors.my_work(request.user, today)
    # One call for all groups: the freeze rule asks once for every item on the page.
    annotate_for_display(request.user, [item for items in groups.values() for item in items], today)
    return render(request, "execution/mine.html", {"groups": groups, "today": today, "section": "mine"})


@page_view
def raci_matrix(request):
    """People × items with their letters; highlights items without an A, with several A, and
    people responsible for too many open items."""
    require_person(request.user)
    department, goal = plan_scope(request)
    today = timezone.localdate()
    items = (
        list(
            scoped_items(request.user, department, goal, show_cancelled=bool(request.GET.get("show_closed")))
        )
        if (department or goal)
        else []
    )
    annotate_for_display(request.user, items, today)
    people: dict[int, Person] = {}
    cells: dict[tuple[int, int], list[str]] = defaultdict(list)
    department_rows: dict[int, Department] = {}
    responsible_open: Counter = Counter()
    gaps: dict[int, list[str]] = {}
    for item in items:
        accountable = 0
        for row in item.raci.all():
            if row.person is not None:
                people[row.person_id] = row.person
                cells[(row.person_id, item.pk)].append(row.role)
                if row.role == "R" and item.status in domain.OPEN_STATUSES:
                    responsible_open[row.person_id] += 1
            else:
                department_rows[row.department_id] = row.department
                cells[(-row.department_id, item.pk)].append(row.role)
            accountable += row.role == "A"
        problems = domain.raci_problems(
            [domain.RaciEntry(r.role, r.person_id, r.department_id) for r in item.raci.all()]
        )
        if problems:
            gaps[item.pk] = problems
    overloaded = domain.overloaded_people(dict(responsible_open))
    rows = [
        {
            "key": pk,
            "label": p.display_name,
            "is_person": True,
            "overloaded": pk in overloaded,
            "open_r": responsible_open[pk],
        }
        for pk, p in sorted(people.items(), key=lambda kv: kv[1].display_name)
    ]
    rows += [
        {"key": -pk, "label": d.name, "is_person": False, "overloaded": False, "open_r": 0}
        for pk, d in sorted(department_rows.items(), key=lambda kv: kv[1].name)
    ]
    matrix = [
        {**row, "cells": ["".join(sorted(cells.get((row["key"], item.pk), []))) for item in items]}
        for row in rows
    ]
    return render(
        request,
        "execution/raci.html",
        {
            **_filters_context(request, department, goal),
            "items": items,
            "matrix": matrix,
            "gaps": gaps,
            "overloaded_limit": domain.TOO_MANY_R,
            "section": "raci",
        },
    )


def _item_form_querysets(user):
    departments = Department.objects.filter(is_active=True).order_by("path")
    goals = (
        visible_goals(user)
        .exclude(status=GoalStatus.CANCELLED)
        .select_related("period")
        .order_by("-period__start", "depth", "name")
    )
    return departments, goals


def _reload_attrs(form: ItemForm, item=None) -> None:
    """The goal (and department) choices reload the measure and phase choices (HTMX, out of band)."""
    attrs = {
        "hx-get": reverse("execution:form_choices"),
        "hx-trigger": "change",
        "hx-swap": "none",
        "hx-include": "[name=department],[name=goal],[name=measure],[name=phase]",
    }
    if item is not None:
        attrs["hx-vals"] = json.dumps({"item": item.pk})
    for name in ("goal", "department"):
        if not form.fields[name].disabled:
            form.fields[name].widget.attrs.update(attrs)


def _item_form(request, *, item=None, department=None, goal=None):
    user = request.user
    departments, goals = _item_form_querysets(user)
    if item is not None:
        initial = {
            f: getattr(item, f)
            for f in (
                "title",
                "department",
                "goal",
                "measure",
                "phase",
                "description",
                "start",
                "due",
                "is_milestone",
                "priority",
                "done_standard",
                "deliverable",
                "planned_quantity",
                "actual_quantity",
                "unit",
                "budget",
                "people_needed",
                "materials",
                "version",
            )
        }
    else:
        me = person_of(user)
        initial = {
            "department": department or (me.department if me else None),
            "goal": goal,
            "responsible": [me] if me else [],
            "accountable": me,
            "measure": goal.measures.first() if goal else None,
        }
    form = ItemForm(
        request.POST or None,
        initial=initial,
        departments=departments,
        goals=goals,
        phases=visible_phases(user),
        editing=item is not None,
    )
    _reload_attrs(form, item)
    return form


@page_view
def item_form_choices(request):
    """HTMX: the measure and phase choices of the item form for the chosen goal and department
    (only the goal's measures, labelled with the goal; only the phases of that plan)."""
    require_person(request.user)
    departments, goals = _item_form_querysets(request.user)
    data = request.GET.copy()
    item_id = int_param(request.GET.get("item"))
    editing = False
    if item_id:
        item = access_item(request.user, item_id, manage=True)
        data["department"] = str(item.department_id)
        editing = True
    form = ItemForm(
        initial={key: data.get(key) for key in ("department", "goal", "measure", "phase")},
        departments=departments,
        goals=goals,
        phases=visible_phases(request.user),
        editing=editing,
    )
    return render(
        request,
        "execution/_item_form_plan_choices.html",
        {"fields": [form["measure"], form["phase"]]},
    )


@page_view
def item_create(request):
    require_person(request.user)
    if not can_write(request.user):
        raise PermissionDeniedError(_("Your role can view but not change data."))
    department, goal = plan_scope(request)
    form = _item_form(request, department=department, goal=goal)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        consulted = list(data.pop("consulted")) + list(data.pop("consulted_departments"))
        informed = list(data.pop("informed")) + list(data.pop("informed_departments"))
        with service_errors(form):
            item = services.item_create(
                actor=request.user,
                responsible=list(data.pop("responsible")),
                accountable=data.pop("accountable"),
                consulted=consulted,
                informed=informed,
                requested_department=data.pop("requested_department"),
                **data,
            )
            messages.success(request, _("“%(title)s” was added to the plan.") % {"title": item.title})
            return redirect("execution:detail", item_id=item.pk)
    return render(request, "execution/item_form.html", {"form": form, "item": None})


@page_view
def item_edit(request, item_id: int):
    item = access_item(request.user, item_id, manage=True)
    form = _item_form(request, item=item)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        data.pop("department", None)
        with service_errors(form):
            services.item_update(actor=request.user, item=item, version=version, **data)
            messages.success(request, _("The item was saved."))
            return redirect("execution:detail", item_id=item.pk)
    return render(request, "execution/item_form.html", {"form": form, "item": item})


@page_view
def item_row(request, item_id: int):
    """HTMX: one row of the decomposition table, read-only or as an inline form (?edit=1 / POST)."""
    access_item(request.user, item_id)
    item = selectors.item_list(request.user).get(pk=item_id)
    today = timezone.localdate()
    editing = request.GET.get("edit") == "1" or request.method == "POST"
    form = None
    if editing:
        access_item(request.user, item_id, manage=True)
        form = RowForm(
            request.POST or None,
            initial={
                "title": item.title,
                "start": item.start,
                "due": item.due,
                "deliverable": item.deliverable,
                "priority": item.priority,
                "status": item.status,
                "people_needed": item.people_needed,
                "budget": item.budget,
                "version": item.version,
            },
        )
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            with service_errors(form):
                services.item_update(actor=request.user, item=item, version=version, **data)
                item = selectors.item_list(request.user).get(pk=item_id)
                editing, form = False, None
    annotate_for_display(request.user, [item], today)
    template = "execution/table.html#row-edit" if editing else "execution/table.html#row"
    return render(request, template, {"item": item, "form": form, "today": today})


@require_POST
@page_view
def item_bulk(request):
    """Bulk edit: a new R, due date or status for many rows — all of them or none."""
    require_person(request.user)
    ids = [i for i in (int_param(x) for x in request.POST.getlist("items")) if i]
    items = list(visible_items(request.user).filter(pk__in=ids))
    form = BulkForm(request.POST)
    back = request.POST.get("next") or ""
    # Only a path on this site: "//evil.example/" starts with "/" but leaves it.
    if not (
        back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    ):
        back = reverse("execution:table")
    if not items:
        messages.error(request, _("Tick the rows to change first."))
        return redirect(back)
    if form.is_valid():
        try:
            services.items_bulk_update(
                actor=request.user,
                items=items,
                responsible=form.cleaned_data["responsible"],
                due=form.cleaned_data["due"],
                status=form.cleaned_data["status"] or None,
            )
            messages.success(request, _("%(n)s items were updated.") % {"n": len(items)})
        except ApplicationError as exc:
            messages.error(request, _("Nothing was changed: %(message)s") % {"message": exc.message})
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(back)
