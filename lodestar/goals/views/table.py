"""Goal lists: the goal-setting table (with its inline row editor), my goals and the alignment tree."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.core.http import int_param, page_view, service_errors
from lodestar.core.models import Period, PeriodKind
from lodestar.goals import selectors, services
from lodestar.goals.access import access_goal, can_edit_goal, visible_goals
from lodestar.goals.closing_rules import frozen_goal_ids, goal_is_frozen
from lodestar.goals.forms import GoalForm
from lodestar.goals.models import ConsensusRecord, Goal, GoalStatus
from lodestar.goals.tree import render_rows
from lodestar.goals.views.goals import goal_scope
from lodestar.org.models import Department
from lodestar.org.permissions import access_department, access_period, can_write, require_person

# --- goal-setting table --------------------------------------------------------------------


def _weight_groups(goals: list[Goal]) -> list[tuple[str, Decimal, bool]]:
    """The weight total of each set of siblings on the table: (label, total, still open).

    Sub-goals of one parent may sit in several departments (a split by department), so their
    total counts every sibling, not only the rows shown here (one query). The 100% rule binds
    before consensus: a set is "open" while one of its goals is a draft; an agreed set whose
    weights were set differently is no warning."""
    groups: dict[tuple, list] = {}
    for goal in goals:
        if goal.status == GoalStatus.CANCELLED or goal.weight is None:
            continue
        if goal.parent_id and goal.parent:
            label = goal.parent.name
        else:
            label = _("top-level goals of %(owner)s") % {
                "owner": goal.owner.display_name if goal.owner else "—"
            }
        group = groups.setdefault(services.sibling_key(goal), [label, Decimal(0), False])
        group[1] += goal.weight
        group[2] = group[2] or goal.status == GoalStatus.DRAFT
    parent_keys = [key for key in groups if key[0] == "parent"]
    if parent_keys:
        siblings = (
            Goal.objects.filter(parent_id__in={key[1] for key in parent_keys}, weight__isnull=False)
            .exclude(status=GoalStatus.CANCELLED)
            .values("parent_id", "period_id")
            .annotate(total=Sum("weight"), drafts=Count("pk", filter=Q(status=GoalStatus.DRAFT)))
        )
        for row in siblings:
            group = groups.get(("parent", row["parent_id"], row["period_id"]))
            if group is not None:
                group[1], group[2] = row["total"], row["drafts"] > 0
    return sorted(((label, total, open_) for label, total, open_ in groups.values()), key=lambda g: str(g[0]))


@page_view
def goal_table(request):
    """The goal-setting table (template 1) of a department and period, editable in place."""
    require_person(request.user)
    department, period = goal_scope(request)
    goals = []
    if department is not None and period is not None:
        goals = list(
            selectors.with_consensus(
                selectors.goal_list(
                    request.user, {"period_id": period.pk}, department=department, subdepartments=False
                )
            ).order_by("depth", "parent_id", "sort_order", "id")
        )
    weight_groups = _weight_groups(goals)
    frozen = frozen_goal_ids(goals)  # one query: goals of a closed period (or department close) are read-only
    for goal in goals:
        goal.can_edit = goal.pk not in frozen and can_edit_goal(request.user, goal)
    departments = list(Department.objects.filter(is_active=True).order_by("path"))
    periods = list(Period.objects.exclude(kind=PeriodKind.WEEK).order_by("-fiscal_year", "start"))
    periods_with_goals = []
    if not goals and department is not None:
        # Point an empty table at the periods where this department does have goals.
        periods_with_goals = list(
            Period.objects.filter(goals__in=visible_goals(request.user).filter(department=department))
            .annotate(goal_count=Count("goals", distinct=True))
            .order_by("-start")[:8]
        )
    return render(
        request,
        "goals/table.html",
        {
            "department": department,
            "period": period,
            "goals": goals,
            "departments": departments,
            "periods": periods,
            "weight_groups": weight_groups,
            "periods_with_goals": periods_with_goals,
            "can_add": department is not None and can_write(request.user),
            "create_url": f"{reverse('goals:create')}?department={department.pk if department else ''}"
            f"&period={period.pk if period else ''}",
            "section": "table",
        },
    )


@page_view
def my_goals(request):
    person = require_person(request.user)
    goals = (
        list(
            selectors.goal_list(request.user, {"owner_id": person.pk})
            .exclude(status=GoalStatus.CANCELLED)
            .order_by("-period__start", "depth", "sort_order")
        )
        if person
        else []
    )
    pending = (
        list(
            ConsensusRecord.objects.filter(
                state=ConsensusRecord.State.OPEN,
                participants__person=person,
                participants__decision="pending",
            )
            .prefetch_related("goals")
            .distinct()
        )
        if person
        else []
    )
    return render(request, "goals/mine.html", {"goals": goals, "pending": pending, "section": "mine"})


# --- alignment tree ----------------------------------------------------------------------


@page_view
def tree(request):
    """The alignment tree of a scope: its top goals now, each node's children on demand (HTMX),
    or every goal of the scope at once with "expand all" (`?expand=all`)."""
    require_person(request.user)
    department_id = int_param(request.GET.get("department"))
    department = access_department(request.user, department_id) if department_id else None
    period_id = int_param(request.GET.get("period"))
    period = (
        access_period(request.user, period_id)
        if period_id
        else Period.objects.filter(
            kind=PeriodKind.YEAR, start__lte=timezone.localdate(), end__gte=timezone.localdate()
        ).first()
    )
    expand_all = request.GET.get("expand") == "all"
    rows = selectors.tree_rows(
        request.user, None, department=department, period=period, expand_all=expand_all
    )
    departments = list(Department.objects.filter(is_active=True).order_by("path"))
    periods = list(Period.objects.filter(kind__in=[PeriodKind.YEAR, PeriodKind.QUARTER]).order_by("-start"))
    return render(
        request,
        "goals/tree.html",
        {
            "rows": render_rows(rows, periods),
            "department": department,
            "period": period,
            "departments": departments,
            "periods": periods,
            "expand_all": expand_all,
            "section": "tree",
        },
    )


@page_view
def tree_children(request, goal_id: int):
    goal = access_goal(request.user, goal_id)
    return HttpResponse(render_rows(selectors.tree_rows(request.user, goal.pk)))


@page_view
def table_row(request, goal_id: int):
    """HTMX: one row of the goal-setting table, read-only or (with ?edit=1 / POST) as an inline form."""
    goal = access_goal(request.user, goal_id)
    goal = selectors.with_consensus(selectors.goal_list(request.user)).get(pk=goal.pk)
    editing = request.GET.get("edit") == "1" or request.method == "POST"
    form = None
    if editing:
        access_goal(request.user, goal_id, write=True)
        initial = {
            "name": goal.name,
            "weight": goal.weight,
            "description": goal.description,
            "notes": goal.notes,
            "owner": goal.owner,
            "goal_type": goal.goal_type,
            "version": goal.version,
        }
        form = GoalForm(
            request.POST or None,
            initial=initial,
            departments=Department.objects.filter(pk=goal.department_id),
            parents=Goal.objects.none(),
            goal=goal,
        )
        for name in (
            "kind",
            "department",
            "period",
            "parent",
            "visibility",
            "context",
            "collaborating_departments",
        ):
            form.fields[name].required = False
            form.fields[name].disabled = True
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            with service_errors(form):
                services.goal_update(
                    actor=request.user,
                    goal=goal,
                    version=data["version"],
                    name=data["name"],
                    weight=data["weight"],
                    description=data["description"],
                    notes=data["notes"],
                    owner=data["owner"],
                    goal_type=data["goal_type"],
                )
                goal = selectors.with_consensus(selectors.goal_list(request.user)).get(pk=goal.pk)
                editing, form = False, None
    goal.can_edit = not goal_is_frozen(goal) and can_edit_goal(request.user, goal)
    template = "goals/table.html#row-edit" if editing else "goals/table.html#row"
    return render(request, template, {"goal": goal, "form": form})
