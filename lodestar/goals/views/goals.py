"""Goal pages: create, edit, detail, status and delete, and the helpers other goal pages share
(the scope of a page, the departments a user may write in, the goals one may align to).

Views are thin: they fetch through goals/access.py, read through selectors and write through
the services; a service's ApplicationError becomes a form error on the right field.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.http import int_param, page_view, service_errors
from lodestar.core.models import Period, PeriodKind
from lodestar.goals import selectors, services
from lodestar.goals.access import (
    access_goal,
    can_create_goal,
    can_edit_goal,
    can_manage_goal,
    can_report_on_goal,
    visible_goals,
)
from lodestar.goals.closing_rules import goal_is_frozen
from lodestar.goals.forms import AdjustmentForm, ConsensusStartForm, DecisionForm, GoalForm, MeasureForm
from lodestar.goals.models import ConsensusRecord, Decomposition, Goal, GoalStatus, Measure, TargetAdjustment
from lodestar.goals.services import adjustments as adjustment_service
from lodestar.goals.services import consensus as consensus_service
from lodestar.goals.smart import check_goal
from lodestar.org.models import Department
from lodestar.org.permissions import (
    access_department,
    access_period,
    is_admin,
    managed_paths,
    person_of,
    require_person,
    subtree_q,
)


def current_quarter() -> Period | None:
    today = timezone.localdate()
    return Period.objects.filter(kind=PeriodKind.QUARTER, start__lte=today, end__gte=today).first()


def goal_scope(request) -> tuple[Department | None, Period | None]:
    """The department and period a goal page is about, from the query string or sensible defaults."""
    person = person_of(request.user)
    department_id = int_param(request.GET.get("department"))
    department = (
        access_department(request.user, department_id)
        if department_id
        else (person.department if person else None)
    )
    period_id = int_param(request.GET.get("period"))
    period = access_period(request.user, period_id) if period_id else current_quarter()
    return department, period


def writable_departments(user):
    qs = Department.objects.filter(is_active=True).order_by("path")
    if is_admin(user):
        return qs
    person = person_of(user)
    own = Q(pk=person.department_id) if person and person.department_id else Q(pk__in=[])
    return qs.filter(subtree_q(managed_paths(user)) | own)


def parent_choices(user):
    """Every goal the user may align a goal to: the visible ones that are not cancelled. Never cut:
    the form validates the chosen id against all of them; the picker searches them (parent_options)."""
    return visible_goals(user).exclude(status=GoalStatus.CANCELLED)


PARENT_OPTIONS_LIMIT = 20


@page_view
def parent_options(request):
    """HTMX: the listbox of the 对齐到 picker — goals the user may align to whose name or department
    matches the search (`parent_search`, or `q`), newest periods first."""
    require_person(request.user)
    search = request.GET.get("parent_search") or request.GET.get("q") or ""
    search = search.replace("\x00", "").strip()[:100]
    goals = parent_choices(request.user)
    if search:
        goals = goals.filter(Q(name__icontains=search) | Q(department__name__icontains=search))
    exclude = int_param(request.GET.get("exclude"))
    if exclude:
        goals = goals.exclude(pk=exclude)
    rows = list(
        goals.select_related("department", "period").order_by("-period__start", "depth", "name", "pk")[
            : PARENT_OPTIONS_LIMIT + 1
        ]
    )
    return render(
        request,
        "goals/_parent_options.html",
        {
            "goals": rows[:PARENT_OPTIONS_LIMIT],
            "more": len(rows) > PARENT_OPTIONS_LIMIT,
            "limit": PARENT_OPTIONS_LIMIT,
        },
    )


def _smart(goal: Goal) -> list:
    measures = list(goal.measures.all())
    return check_goal(
        name=goal.name,
        description=goal.description,
        has_measures=bool(measures),
        has_owner=goal.owner_id is not None,
        period_start=goal.period.start,
        period_end=goal.period.end,
        gettext=_,
    )


# --- goal create / edit ------------------------------------------------------------------


def _goal_form(request, goal: Goal | None, period: Period | None, department: Department | None):
    initial = {}
    if goal is not None:
        initial = {
            f: getattr(goal, f)
            for f in (
                "kind",
                "name",
                "goal_type",
                "description",
                "owner",
                "department",
                "period",
                "parent",
                "weight",
                "visibility",
                "notes",
                "context",
                "version",
            )
        }
        initial["collaborating_departments"] = list(goal.collaborating_departments.all())
    else:
        initial = {"department": department, "period": period, "owner": person_of(request.user)}
        parent_id = int_param(request.GET.get("parent"))
        if parent_id:
            parent = access_goal(request.user, parent_id)
            initial.update(parent=parent, period=parent.period if period is None else period)
    return GoalForm(
        request.POST or None,
        initial=initial,
        departments=writable_departments(request.user),
        parents=parent_choices(request.user),
        goal=goal,
    )


@page_view
def goal_create(request):
    require_person(request.user)
    if not can_create_goal(request.user):
        raise PermissionDeniedError(_("Your role can view but not change data."))
    department, period = goal_scope(request)
    form = _goal_form(request, None, period, department)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        collaborating = data.pop("collaborating_departments")
        with service_errors(form):
            goal = services.goal_create(
                actor=request.user, collaborating_departments=collaborating, measures=[], **data
            )
            messages.success(
                request,
                _("Goal “%(name)s” was created as a draft. Add its measures next.") % {"name": goal.name},
            )
            return redirect("goals:detail", goal_id=goal.pk)
    return render(request, "goals/goal_form.html", {"form": form, "goal": None})


@page_view
def goal_edit(request, goal_id: int):
    goal = access_goal(request.user, goal_id, write=True)
    form = _goal_form(request, goal, goal.period, goal.department)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        collaborating = data.pop("collaborating_departments")
        with service_errors(form):
            services.goal_update(
                actor=request.user,
                goal=goal,
                version=version,
                collaborating_departments=collaborating,
                **data,
            )
            messages.success(request, _("The goal was saved."))
            return redirect("goals:detail", goal_id=goal.pk)
    return render(request, "goals/goal_form.html", {"form": form, "goal": goal})


# --- goal detail -------------------------------------------------------------------------


@page_view
def goal_detail(request, goal_id: int):
    require_person(request.user)
    goal = selectors.goal_detail(goal_id, visible_to=request.user)  # 404 unless visible
    person = person_of(request.user)
    record = selectors.latest_consensus(goal)
    my_participation = None
    if record is not None and person is not None and record.state == ConsensusRecord.State.OPEN:
        my_participation = next((p for p in record.participants.all() if p.person_id == person.pk), None)
    children = list(goal.children.all())  # the visible ones (goal_detail)
    history = list(goal.history.select_related("history_user").order_by("-history_date")[:30])
    measure_history = list(
        Measure.history.filter(goal_id=goal.pk).select_related("history_user").order_by("-history_date")[:30]
    )
    # A goal of a closed period is read-only: no control its services would refuse (422 period_closed).
    frozen = goal_is_frozen(goal)
    can_manage = can_manage_goal(request.user, goal) and not frozen
    can_edit = can_edit_goal(request.user, goal) and not frozen
    draft_children = [c for c in children if c.status == GoalStatus.DRAFT]
    consensus_form = None
    record_open = record is not None and record.state == ConsensusRecord.State.OPEN
    if can_manage and not record_open and (goal.status == GoalStatus.DRAFT or draft_children):
        round_goals = ([goal] if goal.status == GoalStatus.DRAFT else []) + draft_children
        consensus_form = ConsensusStartForm(
            draft_children=len(draft_children),
            initial={
                "participants": consensus_service.default_participants_of(round_goals),
                "minutes": _("Agreed in the goal consensus meeting: "),
                "include_children": goal.status != GoalStatus.DRAFT,
            },
        )
    adjustment_rows = list(goal.adjustments.all())
    for row in adjustment_rows:
        row.can_decide = row.can_withdraw = False
        if row.status == TargetAdjustment.Status.PENDING:
            row.goal = goal  # the decision rule reads the goal's department (no query per row)
            row.can_decide = not frozen and adjustment_service.may_decide(request.user, row)
            row.can_withdraw = not frozen and person is not None and row.created_by_id == person.pk
    can_report = can_report_on_goal(request.user, goal) and not frozen
    adjustment_form = None
    if goal.status == GoalStatus.ACTIVE and can_report:
        adjustment_form = AdjustmentForm(
            goal=goal,
            admin=is_admin(request.user),
            initial={"approved_by": adjustment_service.default_approver(goal, person)},
        )
    return render(
        request,
        "goals/detail.html",
        {
            "goal": goal,
            "children": children,
            "record": record,
            "my_participation": my_participation,
            "decision_form": DecisionForm()
            if my_participation and my_participation.decision == "pending" and not frozen
            else None,
            "frozen": frozen,
            "smart_warnings": _smart(goal),
            "history": history,
            "measure_history": measure_history,
            "can_edit": can_edit,
            "can_manage": can_manage,
            "can_report": can_report,
            "measure_form": MeasureForm() if can_edit else None,
            "consensus_form": consensus_form,
            "adjustment_rows": adjustment_rows,
            "adjustment_form": adjustment_form,
            "decompositions": list(Decomposition.objects.filter(goal=goal).select_related("created_by")),
        },
    )


@require_POST
@page_view
def goal_status(request, goal_id: int):
    goal = access_goal(request.user, goal_id, manage=True)
    with service_errors(request):
        services.goal_set_status(
            actor=request.user,
            goal=goal,
            status=request.POST.get("status", ""),
            version=int_param(request.POST.get("version")),
        )
        messages.success(
            request,
            _("The goal is now %(status)s.") % {"status": Goal.objects.get(pk=goal.pk).get_status_display()},
        )
    return redirect("goals:detail", goal_id=goal.pk)


@require_POST
@page_view
def goal_delete(request, goal_id: int):
    goal = access_goal(request.user, goal_id, write=True)
    try:
        services.goal_delete(actor=request.user, goal=goal)
        messages.success(request, _("The draft goal was deleted."))
        return redirect(f"{reverse('goals:table')}?department={goal.department_id}&period={goal.period_id}")
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("goals:detail", goal_id=goal.pk)
