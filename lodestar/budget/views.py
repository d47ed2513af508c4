"""Budget pages (DOMAIN.md §6): the lines of a period and department with planned, spent, remaining,
share, ROI and cost per lead; a line with its monthly split, spend and attribution; the forms behind
them; the spend import; the channel ROI ranking with the seeds' reallocation and its acceptance."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lodestar.budget import access, selectors, services
from lodestar.budget.forms import (
    AcceptForm,
    AttributionForm,
    LineEditForm,
    LineForm,
    SpendForm,
    SpendImportForm,
)
from lodestar.budget.models import BudgetLine
from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.http import int_param, page_view, service_errors
from lodestar.core.models import Period
from lodestar.goals.closing_rules import period_frozen_for
from lodestar.org.models import Department
from lodestar.org.permissions import is_admin, is_hr, managed_paths, person_of, subtree_q

NAV = {"nav_section": "budget"}


def _visible_departments(user):
    qs = Department.objects.filter(is_active=True).order_by("path")
    if is_admin(user) or is_hr(user):
        return qs
    person = person_of(user)
    q = subtree_q(managed_paths(user))
    if person is not None and person.department_id:
        q |= Q(pk=person.department_id)
    return qs.filter(q)


def _periods():
    return Period.objects.filter(kind__in=["year", "quarter", "month"]).order_by("-start", "kind")


def _scope(request) -> tuple[Period | None, Department | None]:
    """The period (default: the fiscal year holding today, else the latest year) and the department
    (default: none, i.e. everything the reader may see) of a budget page's query string."""
    period_id = int_param(request.GET.get("period"))
    period = Period.objects.filter(pk=period_id).first() if period_id else None
    if period is None:
        today = timezone.localdate()
        years = Period.objects.filter(kind="year")
        period = years.filter(start__lte=today, end__gte=today).first() or years.order_by("-start").first()
    department_id = int_param(request.GET.get("department"))
    department = (
        access.access_budget_department(request.user, department_id) if department_id is not None else None
    )
    return period, department


@page_view
def line_list(request):
    access.require_budget_reader(request.user)
    period, department = _scope(request)
    table = selectors.budget_table(request.user, period, department) if period else None
    manage = access.can_manage_department_budget(request.user, department) if department else False
    return render(
        request,
        "budget/list.html",
        {
            **NAV,
            "period": period,
            "department": department,
            "periods": _periods(),
            "departments": _visible_departments(request.user),
            "table": table,
            "can_plan": access.can_plan_budgets(request.user),
            "can_manage_scope": manage,
        },
    )


@page_view
def line_new(request):
    access.require_budget_reader(request.user)
    if not access.can_plan_budgets(request.user):
        raise PermissionDeniedError(_("Only an admin or a department manager can plan budgets."))
    departments = access.manageable_departments(request.user).order_by("path")
    initial = {}
    if department_id := int_param(request.GET.get("department")):
        initial["department"] = department_id
    if period_id := int_param(request.GET.get("period")):
        initial["period"] = period_id
    form = LineForm(request.POST or None, departments=departments, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(form):
            line = services.budget_line_create(
                actor=request.user,
                period=data["period"],
                department=data["department"],
                category=data["category"],
                channel=data["channel"],
                planned=data["planned"],
                note=data["note"],
                shares=data["shares"],
            )
            messages.success(request, _("Budget line saved."))
            return redirect("budget:line_detail", line.pk)
    return render(request, "budget/line_form.html", {**NAV, "form": form, "line": None})


@page_view
def line_detail(request, line_id: int):
    line = access.access_line(request.user, line_id)
    detail = selectors.line_detail(line)
    frozen = period_frozen_for(line.period, line.department)
    manage = access.can_manage_department_budget(request.user, line.department) and not frozen
    history = list(line.history.select_related("history_user").order_by("-history_date")[:20])
    return render(
        request,
        "budget/detail.html",
        {
            **NAV,
            "line": line,
            "detail": detail,
            "can_manage": manage,
            "frozen": frozen,
            "spend_form": SpendForm(
                initial={"date": min(max(timezone.localdate(), line.period.start), line.period.end)}
            ),
            "attribution_form": AttributionForm(initial={"month": line.period.start}),
            "history": history,
        },
    )


@page_view
def line_edit(request, line_id: int):
    line = access.access_line(request.user, line_id, write=True)
    initial = {
        "version": line.version,
        "category": line.category_id,
        "channel": line.channel_id,
        "planned": line.planned,
        "note": line.note,
    }
    form = LineEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(form):
            services.budget_line_update(
                actor=request.user,
                line=line,
                version=data["version"],
                planned=data["planned"],
                category=data["category"],
                channel=data["channel"],
                note=data["note"],
                shares=data["shares"],
                reason=data["reason"],
            )
            messages.success(request, _("Budget line saved."))
            return redirect("budget:line_detail", line.pk)
    return render(request, "budget/line_form.html", {**NAV, "form": form, "line": line})


@require_POST
@page_view
def line_delete(request, line_id: int):
    line = access.access_line(request.user, line_id, write=True)
    back = f"{reverse('budget:lines')}?period={line.period_id}"
    with service_errors(request):
        services.budget_line_delete(actor=request.user, line=line)
        messages.success(request, _("Budget line deleted."))
        return redirect(back)
    return redirect("budget:line_detail", line.pk)


@require_POST
@page_view
def spend_add(request, line_id: int):
    line = access.access_line(request.user, line_id, write=True)
    form = SpendForm(request.POST)
    if form.is_valid():
        with service_errors(request):
            services.spend_record(
                actor=request.user,
                line=line,
                date=form.cleaned_data["date"],
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Spend recorded."))
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect("budget:line_detail", line.pk)


@require_POST
@page_view
def spend_delete(request, spend_id: int):
    spend = access.access_spend(request.user, spend_id, write=True)
    line_id = spend.line_id
    with service_errors(request):
        services.spend_delete(actor=request.user, spend=spend)
        messages.success(request, _("Spend entry deleted."))
    return redirect("budget:line_detail", line_id)


@require_POST
@page_view
def attribution_set(request, line_id: int):
    line = access.access_line(request.user, line_id, write=True)
    form = AttributionForm(request.POST)
    if form.is_valid():
        with service_errors(request):
            services.attribution_set(
                actor=request.user,
                line=line,
                month=form.cleaned_data["month"],
                revenue=form.cleaned_data["revenue"],
                leads=form.cleaned_data["leads"],
            )
            messages.success(request, _("Attribution saved."))
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect("budget:line_detail", line.pk)


@page_view
def spend_import(request):
    access.require_budget_reader(request.user)
    if not access.can_plan_budgets(request.user):
        raise PermissionDeniedError(_("Only an admin or a department manager can import spend."))
    departments = access.manageable_departments(request.user).order_by("path")
    form = SpendImportForm(request.POST or None, request.FILES or None, departments=departments)
    row_errors = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            made = services.spend_import(
                actor=request.user,
                data=upload.read(),
                filename=upload.name,
                department=data["department"],
                period=data["period"],
            )
        except ApplicationError as exc:
            row_errors = exc.errors
            form.add_error("file" if not exc.errors else None, exc.message)
        else:
            messages.success(request, _("%(count)s spend entries imported.") % {"count": len(made)})
            return redirect(
                f"{reverse('budget:lines')}?period={data['period'].pk}&department={data['department'].pk}"
            )
    return render(request, "budget/import.html", {**NAV, "form": form, "row_errors": row_errors})


def _percent(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


@page_view
def channel_roi(request):
    access.require_budget_reader(request.user)
    period, department = _scope(request)
    test_percent = Decimal(20)
    raw = request.GET.get("test_share")
    if raw:
        try:
            test_percent = min(max(Decimal(raw), Decimal(0)), Decimal(100))
        except ArithmeticError:
            test_percent = Decimal(20)
    proposal = (
        selectors.channel_roi(request.user, period, department, test_share=test_percent / 100)
        if period
        else None
    )
    following = selectors.next_period(period) if period else None
    can_accept = bool(
        proposal is not None
        and proposal.has_moves
        and department is not None
        and following is not None
        and access.can_manage_department_budget(request.user, department)
    )
    already_planned = bool(
        can_accept
        and BudgetLine.objects.filter(department=department, period=following, channel__isnull=False).exists()
    )
    can_accept = can_accept and not already_planned
    chart = None
    ranked = [r for r in proposal.rows if r.roi is not None] if proposal is not None else []
    if ranked:
        chart = {
            "names": [r.figures.name for r in ranked],
            "roi": [round(float(r.roi), 4) for r in ranked if r.roi is not None],  # narrows the type
            "flagged": [r.recommendation == "cut" for r in ranked],
        }
    accept_form = AcceptForm(
        initial={
            "period": period.pk if period else None,
            "department": department.pk if department else None,
            "test_share": test_percent,
        }
    )
    return render(
        request,
        "budget/channels.html",
        {
            **NAV,
            "period": period,
            "department": department,
            "periods": _periods(),
            "departments": _visible_departments(request.user),
            "proposal": proposal,
            "next_period": following,
            "can_accept": can_accept,
            "already_planned": already_planned,
            "accept_form": accept_form,
            "chart": chart,
            "test_percent": test_percent,
        },
    )


@require_POST
@page_view
def reallocation_accept(request):
    access.require_budget_reader(request.user)
    form = AcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The proposal could not be read. Reload the page and try again."))
        return redirect("budget:channels")
    data = form.cleaned_data
    department = access.access_budget_department(request.user, data["department"].pk, write=True)
    back = f"{reverse('budget:channels')}?period={data['period'].pk}&department={department.pk}"
    with service_errors(request):
        reallocation = services.reallocation_accept(
            actor=request.user,
            department=department,
            period=data["period"],
            test_share=data["test_share"] / 100,
            note=data["note"],
        )
        messages.success(
            request,
            _("The reallocation was accepted: %(count)s budget lines planned for %(period)s.")
            % {"count": reallocation.lines.count(), "period": reallocation.to_period.label},
        )
        return redirect(
            f"{reverse('budget:lines')}?period={reallocation.to_period_id}&department={department.pk}"
        )
    return redirect(back)
