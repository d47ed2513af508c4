"""Pages of retrospectives: the list (filters, the seeds' figures per row), one retrospective laid out as
the seeds' template 3 (营销目标复盘分析表) with its chart, 5-why chain, improvement plan and
collaboration, the forms behind them, and "open a retrospective" from a goal."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Value, When
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lodestar.core.errors import ApplicationError, NotFound, PermissionDeniedError
from lodestar.core.forms import DateInput
from lodestar.core.http import add_error_to_form, int_param, page_view, service_errors
from lodestar.core.models import Period
from lodestar.execution.access import visible_items
from lodestar.execution.models import Phase
from lodestar.goals.access import access_goal, visible_goals
from lodestar.org.models import Department, Person
from lodestar.org.permissions import is_admin, managed_paths, require_person, subtree_q
from lodestar.retrospectives import access, domain, services
from lodestar.retrospectives.models import (
    Cadence,
    ImprovementAction,
    Retrospective,
    RetrospectiveAttachment,
    RetrospectiveComment,
    Status,
    Why,
)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return obj.display_name


def _people():
    return Person.objects.filter(is_active=True).order_by("display_name")


class TableForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=gettext_lazy("Retrospective title"), max_length=200)
    highlights = forms.CharField(
        label=gettext_lazy("Key highlights"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("e.g. 抖音短视频+直播组合转化率提升30%"),
    )
    problems = forms.CharField(
        label=gettext_lazy("Main problems"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("e.g. 天猫首日活动服务器崩溃，损失2小时销售额"),
    )
    root_cause = forms.CharField(
        label=gettext_lazy("Root cause (summary)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    owner = PersonChoiceField(label=gettext_lazy("Owner"), queryset=Person.objects.none())
    due = forms.DateField(label=gettext_lazy("Due"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people()


class WhyForm(forms.Form):
    question = forms.CharField(label=gettext_lazy("Why?"), max_length=300)
    answer = forms.CharField(label=gettext_lazy("Because"), max_length=300)


class ActionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Improvement action"), max_length=200)
    owner = PersonChoiceField(label=gettext_lazy("Owner"), queryset=Person.objects.none())
    due = forms.DateField(label=gettext_lazy("Deadline"), widget=DateInput)
    promote_as = forms.ChoiceField(
        label=gettext_lazy("Becomes"),
        required=False,
        choices=[("", "—"), *ImprovementAction.PromoteAs.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people()


class OpenForm(forms.Form):
    period = forms.ModelChoiceField(label=gettext_lazy("Period"), queryset=Period.objects.none())
    cadence = forms.ChoiceField(label=gettext_lazy("Cadence"), choices=Cadence.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = Period.objects.filter(
            kind__in=("month", "quarter", "year")
        ).order_by("-start", "end")


class PhaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Phase) -> str:
        goal = f" · {obj.goal.name}" if obj.goal_id else ""
        return f"{obj.department.name}{goal} · {obj.name}"


class DepartmentOpenForm(OpenForm):
    """A department's goal set, or one campaign phase of it (预热期 / 爆发期 / 返场期)."""

    department = forms.ModelChoiceField(label=gettext_lazy("Department"), queryset=Department.objects.none())
    phase = PhaseChoiceField(
        label=gettext_lazy("Campaign phase (optional)"),
        queryset=Phase.objects.none(),
        required=False,
        help_text=gettext_lazy("Review one phase of a campaign instead of the department's whole goal set."),
    )
    field_order = ["department", "phase", "period", "cadence"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(is_active=True).order_by("path")
        if not is_admin(user):
            departments = departments.filter(subtree_q(managed_paths(user), "path"))
        self.fields["department"].queryset = departments
        self.fields["phase"].queryset = (
            Phase.objects.filter(department__in=departments)
            .select_related("department", "goal")
            .order_by("department__path", "sort_order", "id")
        )

    def clean(self):
        cleaned = super().clean()
        phase, department = cleaned.get("phase"), cleaned.get("department")
        if phase is not None and department is not None and phase.department_id != department.pk:
            self.add_error("phase", _("This phase belongs to %(name)s.") % {"name": phase.department.name})
        return cleaned


STATUS_FILTERS = [("", gettext_lazy("All")), *Status.choices, ("overdue", gettext_lazy("Overdue"))]


@page_view
def retrospective_list(request):
    person = require_person(request.user)
    qs = access.visible_retrospectives(request.user).select_related("period", "department", "owner", "goal")
    period_id = int_param(request.GET.get("period"))
    department_id = int_param(request.GET.get("department"))
    status = request.GET.get("status", "")
    mine = request.GET.get("mine") == "1"
    if period_id:
        qs = qs.filter(period_id=period_id)
    if department_id:
        qs = qs.filter(department_id=department_id)
    today = timezone.localdate()
    if status == "overdue":
        qs = qs.filter(status=Status.OPEN, due__lt=today)
    elif status in Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    if mine:
        qs = qs.filter(owner=person) if person else qs.none()
    # Open ones first (what still needs work), the most overdue at the top; completed ones below.
    order = Case(When(status=Status.OPEN, then=Value(0)), default=Value(1))
    page = Paginator(qs.order_by(order, "due", "id"), 50).get_page(request.GET.get("page"))
    for retro in page.object_list:
        retro.is_overdue = domain.is_overdue(retro.due, today, completed=retro.status == Status.COMPLETED)
    periods = Period.objects.filter(retrospectives__isnull=False).distinct().order_by("-start")
    departments = (
        Department.objects.filter(retrospectives__isnull=False, is_active=True).distinct().order_by("path")
    )
    return render(
        request,
        "retrospectives/list.html",
        {
            "page": page,
            "periods": periods,
            "departments": departments,
            "period_id": period_id,
            "department_id": department_id,
            "status": status,
            "status_filters": STATUS_FILTERS,
            "mine": mine,
            "can_open_department": access.can_open_department_reviews(request.user),
        },
    )


def _detail_context(request, retro: Retrospective, **extra) -> dict:
    whys = list(retro.whys.order_by("position"))
    actions = list(retro.actions.select_related("owner", "item", "goal").order_by("position", "id"))
    for action in actions:
        action.retrospective = retro  # the access checks below read it: no query per action
    comments = list(
        RetrospectiveComment.objects.filter(retrospective=retro)
        .select_related("author")
        .order_by("created_at", "id")
    )
    attachments = list(
        RetrospectiveAttachment.objects.filter(retrospective=retro).select_related("uploaded_by")
    )
    figures = retro.figures or {}
    chart = {
        "series": [
            {
                "name": s["measure"],
                "data": [
                    [
                        p["date"],
                        round(float(p["share_of_target"]) * 100, 2) if p.get("share_of_target") else None,
                    ]
                    for p in s["points"]
                ],
            }
            for s in figures.get("history", [])
        ]
    }
    today = timezone.localdate()
    user = request.user
    can_edit = access.can_edit_retrospective(user, retro)
    # Link only the items and goals the reader may open (a promoted item belongs to the retrospective's
    # department: readers from elsewhere would follow a dead link).
    item_ids = {a.item_id for a in actions if a.item_id} | {
        it["id"] for bucket in figures.get("items", {}).values() for it in bucket
    }
    goal_ids = {a.goal_id for a in actions if a.goal_id}
    visible_item_ids = (
        set(visible_items(user).filter(pk__in=item_ids).values_list("pk", flat=True)) if item_ids else set()
    )
    visible_goal_ids = (
        set(visible_goals(user).filter(pk__in=goal_ids).values_list("pk", flat=True)) if goal_ids else set()
    )
    context = {
        "retro": retro,
        "whys": whys,
        "actions": actions,
        "comments": comments,
        "attachments": attachments,
        "figures": figures,
        "rows": figures.get("rows", []),
        "unit": (figures.get("rows") or [{}])[0].get("unit", ""),
        "items": figures.get("items", {}),
        "deviations": figures.get("deviations", {}),
        "chart": chart,
        "has_chart": bool(chart["series"]),
        "rate_pct": domain.as_percent(retro.achievement_rate),
        "original_rate_pct": domain.as_percent(retro.original_achievement_rate),
        "goal_rate_pct": domain.as_percent(_dec(figures.get("goal_achievement_rate"))),
        "is_overdue": domain.is_overdue(retro.due, today, completed=retro.status == Status.COMPLETED),
        "can_edit": can_edit,
        "visible_item_ids": visible_item_ids,
        "visible_goal_ids": visible_goal_ids,
        "can_promote": can_edit
        or (retro.status == Status.COMPLETED and access.can_work_on_plan(user, retro)),
        "followable_ids": {a.pk for a in actions if access.can_follow_up_action(user, a)},
        "can_sign_off": access.can_sign_off_retrospective(user, retro),
        "can_reopen": access.can_reopen_retrospective(user, retro),
        "can_comment": access.can_comment_on_retrospective(user, retro),
        "can_attach": access.can_work_on_plan(user, retro),
        "table_form": TableForm(
            initial={
                "version": retro.version,
                "title": retro.title,
                "highlights": retro.highlights,
                "problems": retro.problems,
                "root_cause": retro.root_cause,
                "owner": retro.owner_id,
                "due": retro.due,
            }
        )
        if can_edit
        else None,
        "why_form": WhyForm() if can_edit else None,
        "action_form": ActionForm(initial={"owner": retro.owner_id}) if can_edit else None,
    }
    context.update(extra)
    return context


def _dec(value):
    from decimal import Decimal

    return Decimal(value) if value not in (None, "") else None


@page_view
def retrospective_detail(request, retrospective_id: int):
    retro = access.access_retrospective(request.user, retrospective_id)
    return render(request, "retrospectives/detail.html", _detail_context(request, retro))


def _back(retro: Retrospective, anchor: str = ""):
    return redirect(reverse("retrospectives:detail", args=[retro.pk]) + (f"#{anchor}" if anchor else ""))


@require_POST
@page_view
def retrospective_edit(request, retrospective_id: int):
    retro = access.access_retrospective(request.user, retrospective_id, write=True)
    form = TableForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.retrospective_update(actor=request.user, retrospective=retro, version=version, **data)
        except ApplicationError as exc:
            add_error_to_form(form, exc)
        else:
            messages.success(request, _("The retrospective was saved."))
            return _back(retro, "table")
    retro.refresh_from_db()
    return render(
        request, "retrospectives/detail.html", _detail_context(request, retro, table_form=form), status=200
    )


@require_POST
@page_view
def why_add(request, retrospective_id: int):
    retro = access.access_retrospective(request.user, retrospective_id, write=True)
    form = WhyForm(request.POST)
    if form.is_valid():
        with service_errors(form):
            services.why_add(actor=request.user, retrospective=retro, **form.cleaned_data)
            return _back(retro, "whys")
    return render(request, "retrospectives/detail.html", _detail_context(request, retro, why_form=form))


def _why_of(retro, why_id) -> Why:
    why = Why.objects.filter(pk=why_id, retrospective=retro).first()
    if why is None:
        raise NotFound(_("Step not found."))
    why.retrospective = retro
    return why


@require_POST
@page_view
def why_delete(request, retrospective_id: int, why_id: int):
    retro = access.access_retrospective(request.user, retrospective_id, write=True)
    with service_errors(request):
        services.why_delete(actor=request.user, why=_why_of(retro, why_id))
    return _back(retro, "whys")


@require_POST
@page_view
def why_move(request, retrospective_id: int, why_id: int):
    retro = access.access_retrospective(request.user, retrospective_id, write=True)
    why = _why_of(retro, why_id)
    position = why.position + (-1 if request.POST.get("direction") == "up" else 1)
    with service_errors(request):
        services.why_move(actor=request.user, why=why, position=position)
    return _back(retro, "whys")


@require_POST
@page_view
def action_add(request, retrospective_id: int):
    retro = access.access_retrospective(request.user, retrospective_id, write=True)
    form = ActionForm(request.POST)
    if form.is_valid():
        with service_errors(form):
            services.action_add(actor=request.user, retrospective=retro, **form.cleaned_data)
            return _back(retro, "plan")
    return render(request, "retrospectives/detail.html", _detail_context(request, retro, action_form=form))


def _action_of(retro, action_id) -> ImprovementAction:
    action = (
        ImprovementAction.objects.filter(pk=action_id, retrospective=retro).select_related("owner").first()
    )
    if action is None:
        raise NotFound(_("Improvement action not found."))
    action.retrospective = retro
    return action


@require_POST
@page_view
def action_delete(request, retrospective_id: int, action_id: int):
    retro = access.access_retrospective(request.user, retrospective_id, write=True)
    with service_errors(request):
        services.action_delete(actor=request.user, action=_action_of(retro, action_id))
    return _back(retro, "plan")


@require_POST
@page_view
def action_promote(request, retrospective_id: int, action_id: int):
    """POST: promote; when the next period is missing, a confirmation step ("create FY2027?")."""
    retro = access.access_retrospective(request.user, retrospective_id)
    action = _action_of(retro, action_id)
    promote_as = request.POST.get("promote_as") or action.promote_as
    create = request.POST.get("create_next_period") == "1"
    try:
        action = services.action_promote(
            actor=request.user, action=action, promote_as=promote_as, create_next_period=create
        )
    except ApplicationError as exc:
        if exc.code == "next_period_missing":
            year = services.next_period_fiscal_year(retro.period)
            return render(
                request,
                "retrospectives/confirm_next_period.html",
                {
                    "retro": retro,
                    "action": action,
                    "promote_as": promote_as,
                    "message": exc.message,
                    "year": year,
                    "next_start": domain.next_period_start(retro.period.end),
                    "can_create": year is not None and request.user and is_admin(request.user),
                },
            )
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
        return _back(retro, "plan")
    if action.item_id:
        messages.success(request, _("The action is now an action item of the next period."))
    else:
        messages.success(request, _("The action is now a goal of the next period."))
    return _back(retro, "plan")


@require_POST
@page_view
def action_done(request, retrospective_id: int, action_id: int):
    retro = access.access_retrospective(request.user, retrospective_id)
    action = _action_of(retro, action_id)
    with service_errors(request):
        services.action_update(actor=request.user, action=action, status=ImprovementAction.ActionStatus.DONE)
    return _back(retro, "plan")


@require_POST
@page_view
def retrospective_complete(request, retrospective_id: int):
    retro = access.access_retrospective(request.user, retrospective_id, write=True)
    with service_errors(request):
        services.retrospective_complete(actor=request.user, retrospective=retro)
        messages.success(request, _("The retrospective is completed."))
    return _back(retro)


@require_POST
@page_view
def retrospective_sign_off(request, retrospective_id: int):
    retro = access.access_retrospective(request.user, retrospective_id)
    with service_errors(request):
        services.retrospective_sign_off(actor=request.user, retrospective=retro)
        messages.success(request, _("You signed the retrospective off."))
    return _back(retro)


@require_POST
@page_view
def retrospective_reopen(request, retrospective_id: int):
    retro = access.access_retrospective(request.user, retrospective_id)
    with service_errors(request):
        services.retrospective_reopen(actor=request.user, retrospective=retro)
        messages.success(request, _("The retrospective is open again."))
    return _back(retro)


@require_POST
@page_view
def comment_add(request, retrospective_id: int):
    retro = access.access_retrospective(request.user, retrospective_id)
    with service_errors(request):
        comment = services.comment_add(
            actor=request.user, retrospective=retro, body=request.POST.get("body", "")
        )
        if comment.not_notified:
            messages.warning(
                request,
                _("Not notified (they cannot see this retrospective): %(names)s")
                % {"names": ", ".join(p.display_name for p in comment.not_notified)},
            )
    return _back(retro, "comments")


@require_POST
@page_view
def attachment_add(request, retrospective_id: int):
    retro = access.access_retrospective(request.user, retrospective_id)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file."))
        return _back(retro, "attachments")
    with service_errors(request):
        services.attachment_add(actor=request.user, retrospective=retro, upload=upload)
        messages.success(request, _("The file was attached."))
    return _back(retro, "attachments")


@page_view
def attachment_download(request, file_id: int):
    attachment = RetrospectiveAttachment.objects.filter(pk=file_id).first()
    if attachment is None:
        raise NotFound(_("File not found."))
    access.access_retrospective(request.user, attachment.retrospective_id)
    # Read whole (at most 10 MB) and closed at once: a streamed file would hold the storage open.
    with attachment.file.open("rb") as handle:
        data = handle.read()
    response = HttpResponse(data, content_type=attachment.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, attachment.name)
    return response


@page_view
def open_for_goal(request, goal_id: int):
    """Open a goal's retrospective: choose the period (the goal's by default) and the cadence."""
    goal = access_goal(request.user, goal_id)
    if not access.can_open_for_goal(request.user, goal):
        raise PermissionDeniedError(
            _("Only the goal's owner, a manager of its department or an admin can open its retrospective.")
        )
    cadence = domain.cadence_of(goal.period.kind) or Cadence.QUARTER
    existing = Retrospective.objects.filter(goal=goal, period=goal.period, scope="goal").order_by("id")
    form = OpenForm(request.POST or None, initial={"period": goal.period_id, "cadence": cadence})
    if request.method == "POST" and form.is_valid():
        try:
            retro = services.retrospective_open(
                actor=request.user,
                goal=goal,
                period=form.cleaned_data["period"],
                cadence=form.cleaned_data["cadence"],
            )
        except ApplicationError as exc:
            add_error_to_form(form, exc)
        else:
            messages.success(request, _("The retrospective is open, pre-filled from the period's figures."))
            return redirect("retrospectives:detail", retro.pk)
    if goal.period.kind not in ("month", "quarter", "year"):
        form.fields["period"].queryset = form.fields["period"].queryset | Period.objects.filter(
            pk=goal.period_id
        )
    return render(
        request,
        "retrospectives/open.html",
        {"goal": goal, "form": form, "existing": list(existing), "due_days": domain.DUE_DAYS},
    )


@page_view
def open_for_department(request):
    """Open a department's retrospective (its goal set) for a period: admins and department managers."""
    require_person(request.user)
    if not access.can_open_department_reviews(request.user):
        raise PermissionDeniedError(
            _("Only a department manager or an admin can open a department's retrospective.")
        )
    form = DepartmentOpenForm(request.POST or None, user=request.user, initial={"cadence": Cadence.QUARTER})
    if request.method == "POST" and form.is_valid():
        try:
            phase = form.cleaned_data["phase"]
            retro = services.retrospective_open(
                actor=request.user,
                department=None if phase else form.cleaned_data["department"],
                phase=phase,
                period=form.cleaned_data["period"],
                cadence=form.cleaned_data["cadence"],
            )
        except ApplicationError as exc:
            add_error_to_form(form, exc)
        else:
            messages.success(request, _("The retrospective is open, pre-filled from the period's figures."))
            return redirect("retrospectives:detail", retro.pk)
    return render(
        request,
        "retrospectives/open.html",
        {"goal": None, "form": form, "existing": [], "due_days": domain.DUE_DAYS},
    )
