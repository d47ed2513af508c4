"""Goal pages: the goal-setting table, my goals, the alignment tree, goal detail with measures,
consensus, adjustments and history, the decomposition wizard, templates and period copy.

Views are thin: they fetch through goals/access.py, read through selectors and write through
the services; a service's ApplicationError becomes a form error on the right field.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lodestar.core.errors import ApplicationError, NotFound, PermissionDeniedError
from lodestar.core.http import int_param, page_view, service_errors
from lodestar.core.models import Period, PeriodKind
from lodestar.goals import selectors, services
from lodestar.goals.access import (
    access_goal,
    access_measure,
    can_edit_goal,
    can_manage_goal,
    can_report_on_goal,
    visible_goals,
    visible_templates,
)
from lodestar.goals.forms import (
    AdjustmentDecisionForm,
    AdjustmentForm,
    ConsensusStartForm,
    CopyForm,
    CurrentValueForm,
    DecisionForm,
    GoalForm,
    MeasureForm,
    TemplateForm,
)
from lodestar.goals.models import (
    ConsensusRecord,
    Decomposition,
    Goal,
    GoalStatus,
    Measure,
    TargetAdjustment,
)
from lodestar.goals.services import adjustments as adjustment_service
from lodestar.goals.services import consensus as consensus_service
from lodestar.goals.services.decomposition import goal_decompose
from lodestar.goals.services.reuse import goals_copy_to_period, template_apply, template_create_from_goals
from lodestar.goals.smart import check_goal
from lodestar.goals.tree import render_rows
from lodestar.org.models import Department, Person
from lodestar.org.permissions import (
    access_department,
    access_period,
    can_write,
    is_admin,
    managed_paths,
    person_of,
    require_person,
    subtree_q,
)


def current_quarter() -> Period | None:
    today = timezone.localdate()
    return Period.objects.filter(kind=PeriodKind.QUARTER, start__lte=today, end__gte=today).first()


def _scope(request) -> tuple[Department | None, Period | None]:
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


def _writable_departments(user):
    qs = Department.objects.filter(is_active=True).order_by("path")
    if is_admin(user):
        return qs
    person = person_of(user)
    own = Q(pk=person.department_id) if person and person.department_id else Q(pk__in=[])
    return qs.filter(subtree_q(managed_paths(user)) | own)


def _parent_choices(user):
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
    goals = _parent_choices(request.user)
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


# --- goal-setting table --------------------------------------------------------------------


@page_view
def goal_table(request):
    """The goal-setting table (template 1) of a department and period, editable in place."""
    require_person(request.user)
    department, period = _scope(request)
    goals = []
    if department is not None and period is not None:
        goals = list(
            selectors.goal_list(request.user)
            .filter(department=department, period=period)
            .order_by("depth", "parent_id", "sort_order", "id")
        )
    weight_groups: dict = {}
    for goal in goals:
        if goal.status != GoalStatus.CANCELLED and goal.weight is not None:
            if goal.parent_id and goal.parent:
                label = goal.parent.name
            else:
                label = _("top-level goals of %(owner)s") % {
                    "owner": goal.owner.display_name if goal.owner else "—"
                }
            key = services.sibling_key(goal)
            previous = weight_groups.get(key, (label, Decimal(0)))
            weight_groups[key] = (label, previous[1] + goal.weight)
    for goal in goals:
        goal.can_edit = can_edit_goal(request.user, goal)
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
            "weight_groups": sorted(weight_groups.values(), key=lambda item: str(item[0])),
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
            selectors.goal_list(request.user)
            .filter(owner=person)
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
        departments=_writable_departments(request.user),
        parents=_parent_choices(request.user),
        goal=goal,
    )


@page_view
def goal_create(request):
    require_person(request.user)
    if not can_write(request.user):
        raise PermissionDeniedError(_("Your role can view but not change data."))
    department, period = _scope(request)
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


@page_view
def table_row(request, goal_id: int):
    """HTMX: one row of the goal-setting table, read-only or (with ?edit=1 / POST) as an inline form."""
    goal = access_goal(request.user, goal_id)
    goal = selectors.goal_list(request.user).get(pk=goal.pk)
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
                goal = selectors.goal_list(request.user).get(pk=goal.pk)
                editing, form = False, None
    goal.can_edit = can_edit_goal(request.user, goal)
    template = "goals/table.html#row-edit" if editing else "goals/table.html#row"
    return render(request, template, {"goal": goal, "form": form})


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
    can_manage = can_manage_goal(request.user, goal)
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
            row.can_decide = adjustment_service.may_decide(request.user, row)
            row.can_withdraw = person is not None and row.created_by_id == person.pk
    can_report = can_report_on_goal(request.user, goal)
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
            if my_participation and my_participation.decision == "pending"
            else None,
            "smart_warnings": _smart(goal),
            "history": history,
            "measure_history": measure_history,
            "can_edit": can_edit_goal(request.user, goal),
            "can_manage": can_manage,
            "can_report": can_report,
            "measure_form": MeasureForm() if can_edit_goal(request.user, goal) else None,
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


# --- consensus and adjustments -----------------------------------------------------------


@require_POST
@page_view
def consensus_start(request, goal_id: int):
    goal = access_goal(request.user, goal_id, manage=True)
    draft_children = goal.children.filter(status=GoalStatus.DRAFT).count()
    form = ConsensusStartForm(request.POST, draft_children=draft_children)
    if form.is_valid():
        with service_errors(request):
            goals = (
                consensus_service.round_goals(goal) if form.cleaned_data.get("include_children") else [goal]
            )
            consensus_service.consensus_start(
                actor=request.user,
                goals=goals,
                minutes=form.cleaned_data["minutes"],
                participants=[{"person": p, "required": True} for p in form.cleaned_data["participants"]],
            )
            messages.success(request, _("Consensus started: each participant now signs off or objects."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("goals:detail", goal_id=goal.pk)


@require_POST
@page_view
def consensus_decide(request, record_id: int):
    record = ConsensusRecord.objects.filter(pk=record_id).prefetch_related("goals").first()
    if record is None:
        raise NotFound(_("Consensus record not found."))
    goal = record.goals.first()
    access_goal(request.user, goal.pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        with service_errors(request):
            consensus_service.consensus_decide(actor=request.user, record=record, **form.cleaned_data)
            record.refresh_from_db()
            if record.state == ConsensusRecord.State.AGREED:
                messages.success(request, _("All sign-offs are in: the goal is active."))
            else:
                messages.success(request, _("Your decision was recorded."))
    return redirect("goals:detail", goal_id=goal.pk)


@require_POST
@page_view
def consensus_withdraw(request, record_id: int):
    record = ConsensusRecord.objects.filter(pk=record_id).prefetch_related("goals").first()
    if record is None:
        raise NotFound(_("Consensus record not found."))
    goal = record.goals.first()
    access_goal(request.user, goal.pk, manage=True)
    with service_errors(request):
        consensus_service.consensus_withdraw(actor=request.user, record=record)
        messages.success(request, _("Consensus withdrawn: the goal is a draft again and can be revised."))
    return redirect("goals:detail", goal_id=goal.pk)


@require_POST
@page_view
def adjustment_add(request, goal_id: int):
    goal = access_goal(request.user, goal_id)
    form = AdjustmentForm(request.POST, goal=goal, admin=is_admin(request.user))
    if form.is_valid():
        data = dict(form.cleaned_data)
        apply_directly = data.pop("apply_directly", None)
        with service_errors(request):
            adjustment = adjustment_service.adjustment_create(
                actor=request.user, goal=goal, apply_directly=apply_directly, **data
            )
            if adjustment.status == TargetAdjustment.Status.APPROVED:
                messages.success(request, _("The target was adjusted; the original stays on record."))
            else:
                messages.success(
                    request,
                    _("The change was sent to %(name)s for approval; the target changes when it is approved.")
                    % {"name": adjustment.approved_by.display_name},
                )
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("goals:detail", goal_id=goal.pk)


def _access_adjustment(user, adjustment_id: int) -> TargetAdjustment:
    adjustment = TargetAdjustment.objects.filter(pk=adjustment_id).first()
    if adjustment is None:
        raise NotFound(_("Target adjustment not found."))
    access_goal(user, adjustment.goal_id)
    return adjustment


@require_POST
@page_view
def adjustment_decide(request, adjustment_id: int, decision: str):
    """Approve, reject (with a reason) or withdraw a target change request from the goal page."""
    adjustment = _access_adjustment(request.user, adjustment_id)
    form = AdjustmentDecisionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        if decision == "approve":
            adjustment_service.adjustment_approve(actor=request.user, adjustment=adjustment, comment=comment)
            messages.success(request, _("Approved: the target is changed and the requester is notified."))
        elif decision == "reject":
            adjustment_service.adjustment_reject(actor=request.user, adjustment=adjustment, comment=comment)
            messages.success(request, _("Rejected: the target stays and the requester is notified."))
        else:
            adjustment_service.adjustment_withdraw(actor=request.user, adjustment=adjustment)
            messages.success(request, _("Your request was withdrawn."))
    except ApplicationError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
    return redirect(f"{reverse('goals:detail', args=[adjustment.goal_id])}#adjustment-{adjustment.pk}")


# --- decomposition -----------------------------------------------------------------------


@page_view
def decompose(request, goal_id: int):
    """The decomposition wizard: one dimension, shares or amounts, a running total, one atomic save."""
    goal = access_goal(request.user, goal_id, manage=True)
    goal = selectors.goal_detail(goal.pk)
    measures = list(goal.measures.all())
    dimension = request.POST.get("dimension") or request.GET.get("dimension") or "department"
    if dimension not in Decomposition.Dimension.values:
        dimension = "department"
    error = None
    rows = []
    if request.method == "POST":
        mode = request.POST.get("mode", "percent")
        measure = next((m for m in measures if str(m.pk) == request.POST.get("measure")), None)
        labels = request.POST.getlist("label")
        values = request.POST.getlist("value")
        owners = request.POST.getlist("owner")
        departments = request.POST.getlist("department")
        periods = request.POST.getlist("period")
        parts = []
        people = {
            p.pk: p for p in Person.objects.filter(pk__in=[int_param(o) for o in owners if int_param(o)])
        }
        depts = {
            d.pk: d
            for d in Department.objects.filter(pk__in=[int_param(d) for d in departments if int_param(d)])
        }
        pers = {
            p.pk: p for p in Period.objects.filter(pk__in=[int_param(p) for p in periods if int_param(p)])
        }
        for index, label in enumerate(labels):
            value = values[index] if index < len(values) else ""
            if not (label.strip() or value.strip()):
                continue
            part = {
                "label": label,
                "share" if mode == "percent" else "amount": value,
                "owner": people.get(int_param(owners[index]) if index < len(owners) else None),
                "department": depts.get(int_param(departments[index]) if index < len(departments) else None),
                "period": pers.get(int_param(periods[index]) if index < len(periods) else None),
            }
            parts.append(part)
            rows.append(
                {
                    "label": label,
                    "value": value,
                    "owner": owners[index] if index < len(owners) else "",
                    "department": departments[index] if index < len(departments) else "",
                    "period": periods[index] if index < len(periods) else "",
                }
            )
        try:
            children = goal_decompose(
                actor=request.user, goal=goal, dimension=dimension, measure=measure, mode=mode, parts=parts
            )
            messages.success(request, _("%(n)s sub-goals were created.") % {"n": len(children)})
            return redirect("goals:detail", goal_id=goal.pk)
        except ApplicationError as exc:
            error = exc.message
    else:
        mode = "percent"
        rows = _default_rows(goal, dimension)
    return render(
        request,
        "goals/decompose.html",
        {
            "goal": goal,
            "measures": measures,
            "dimension": dimension,
            "mode": mode,
            "rows": rows,
            "error": error,
            "dimensions": Decomposition.Dimension.choices,
            "people": list(
                Person.objects.filter(is_active=True)
                .select_related("department")
                .order_by("department__path", "display_name")
            ),
            "departments": list(
                Department.objects.filter(is_active=True, path__startswith=goal.department.path).order_by(
                    "path"
                )
            ),
            "periods": list(
                Period.objects.filter(start__gte=goal.period.start, end__lte=goal.period.end)
                .exclude(pk=goal.period_id)
                .exclude(kind=PeriodKind.WEEK)
                .order_by("kind", "start")
            ),
        },
    )


def _default_rows(goal: Goal, dimension: str) -> list[dict]:
    """Suggested parts: sub-departments, team members, or the goal period's quarters/months (even shares)."""
    from lodestar.goals.domain import even_shares

    if dimension == "department":
        subs = list(goal.department.children.filter(is_active=True).order_by("sort_order", "name"))
        rows = [
            {"label": d.name, "department": str(d.pk), "owner": str(d.manager_id or ""), "period": ""}
            for d in subs
        ]
    elif dimension == "person":
        members = list(
            Person.objects.filter(department=goal.department, is_active=True).order_by("display_name")
        )
        rows = [
            {"label": p.display_name, "owner": str(p.pk), "department": str(p.department_id), "period": ""}
            for p in members
        ]
    elif dimension == "time":
        kind = PeriodKind.QUARTER if goal.period.kind == PeriodKind.YEAR else PeriodKind.MONTH
        spans = list(
            Period.objects.filter(kind=kind, start__gte=goal.period.start, end__lte=goal.period.end).order_by(
                "start"
            )
        )
        rows = [
            {"label": p.label, "period": str(p.pk), "owner": str(goal.owner_id or ""), "department": ""}
            for p in spans
        ]
    else:
        rows = [{"label": "", "owner": "", "department": "", "period": ""} for _i in range(3)]
    for row, share in zip(rows, even_shares(len(rows)), strict=True):
        row["value"] = f"{share.normalize():f}"
    return rows


# --- templates and copy ------------------------------------------------------------------


@page_view
def templates(request):
    require_person(request.user)
    items = list(visible_templates(request.user).select_related("created_by", "department").order_by("name"))
    return render(request, "goals/templates.html", {"templates": items, "section": "templates"})


@page_view
def template_new(request):
    """Save selected goals (?goals=1,2,3 from the table) as a template."""
    require_person(request.user)
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
    form = CopyForm(request.POST or None, departments=_writable_departments(request.user))
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
