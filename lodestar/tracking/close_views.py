"""The period close page: what is unfinished first, then the close, its history and the reopen.

It lives in tracking because it lists check-ins and action items (both below tracking); the close
itself is `goals.services.closing`, the freeze rule `goals.closing_rules`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.http import add_error_to_form, page_view
from lodestar.core.models import Period
from lodestar.execution import domain as execution_domain
from lodestar.execution.models import ActionItem
from lodestar.goals.models import Goal, GoalStatus, Measure, PeriodClosing
from lodestar.goals.services import closing as closing_service
from lodestar.org.models import Department
from lodestar.org.permissions import access_period, can_write, is_admin, is_manager, managed_paths, subtree_q
from lodestar.tracking.models import CheckIn


class CloseForm(forms.Form):
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"),
        queryset=Department.objects.none(),
        required=False,
        help_text=gettext_lazy("Its goals and those of its sub-departments are closed."),
    )
    withdraw_pending = forms.BooleanField(
        label=gettext_lazy("Withdraw the pending target adjustment requests"),
        required=False,
        help_text=gettext_lazy(
            "A closed period's targets cannot change. Without this, the close is refused while requests wait "
            "for a decision; with it, each pending request is withdrawn in your name, recorded on the request."
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user=None, period=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        departments = closing_service.closable_departments(user)
        if period is not None:
            # Departments an active close already covers (theirs or a parent's) are no choice any more.
            closed = PeriodClosing.objects.filter(
                period=period, reopened_at__isnull=True, department__isnull=False
            )
            for path in closed.values_list("department__path", flat=True):
                departments = departments.exclude(path__startswith=path)
        field.queryset = departments.order_by("path")
        if is_admin(user):
            field.empty_label = _("The whole period (all departments)")
        else:
            field.required = True
            field.empty_label = None


class ReopenForm(forms.Form):
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"),
        queryset=Department.objects.filter(is_active=True).order_by("path"),
        required=False,
        empty_label=gettext_lazy("The whole period (every close)"),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for reopening"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Kept in the period's history."),
    )


def can_open_close_page(user) -> bool:
    """The page is for those who may close: admins (whole period) and department managers. Registered
    as the template check "tracking.period_close" (the closed-period banners link here only for them)."""
    return is_admin(user) or (can_write(user) and is_manager(user))


def _access(request, period_id: int) -> Period:
    period = access_period(request.user, period_id)
    if not can_open_close_page(request.user):
        raise PermissionDeniedError(_("Only an admin or a department manager can close a period."))
    return period


def _scope(request, period: Period):
    """The goals the reader is responsible for closing: all (admin) or their managed subtrees."""
    goals = Goal.objects.filter(period=period)
    if not is_admin(request.user):
        goals = goals.filter(subtree_q(managed_paths(request.user), "department__path"))
    return goals


def _unfinished(period: Period, goals) -> dict:
    """Goals with a measure lacking a final check-in (one whose period reaches the period end), open
    items of the goals, pending target adjustments."""
    final = CheckIn.objects.filter(measure=OuterRef("pk"), period_end__gte=OuterRef("goal__period__end"))
    missing = (
        Measure.objects.filter(goal__in=goals.filter(status=GoalStatus.ACTIVE))
        .annotate(has_final=Exists(final))
        .filter(has_final=False)
        .select_related("goal__department", "goal__owner")
        .order_by("goal__department__path", "goal_id", "sort_order", "id")
    )
    by_goal: dict[int, dict] = {}
    for measure in missing:
        row = by_goal.setdefault(measure.goal_id, {"goal": measure.goal, "measures": []})
        row["measures"].append(measure)
    items = list(
        ActionItem.objects.filter(goal__in=goals, status__in=execution_domain.OPEN_STATUSES)
        .select_related("department", "goal", "accountable")
        .order_by("due", "id")[:200]
    )
    adjustments = list(
        closing_service.pending_adjustments(period)
        .filter(goal__in=goals)
        .select_related("goal", "measure", "created_by", "approved_by")
        .order_by("created_at", "id")
    )
    return {"missing_final": list(by_goal.values()), "open_items": items, "pending_adjustments": adjustments}


def _close_form(request, period: Period, data=None) -> CloseForm | None:
    """The close form, or None when nothing is left for the reader to close."""
    form = CloseForm(data, user=request.user, period=period)
    departments = form.fields["department"].queryset  # type: ignore[attr-defined]
    if period.is_closed or (not is_admin(request.user) and not departments.exists()):
        return None
    return form


def _context(request, period: Period, *, close_form=None, reopen_form=None) -> dict:
    admin = is_admin(request.user)
    goals = _scope(request, period)
    history = list(closing_service.closing_history(period))
    active = [c for c in history if c.is_active]
    return {
        "period": period,
        "goal_count": goals.count(),
        **_unfinished(period, goals),
        "history": history,
        "active_closings": active,
        "close_form": close_form or _close_form(request, period),
        "reopen_form": (reopen_form or ReopenForm()) if admin and (period.is_closed or active) else None,
        "is_admin": admin,
    }


@page_view
def period_close(request, period_id: int):
    period = _access(request, period_id)
    form = _close_form(request, period, request.POST or None)
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            closing_service.period_close(
                actor=request.user,
                period=period,
                department=form.cleaned_data["department"],
                withdraw_pending=form.cleaned_data["withdraw_pending"],
                note=form.cleaned_data["note"],
            )
            messages.success(
                request,
                _("%(name)s is closed: its goals, check-ins and action items are now read-only.")
                % {"name": period.label},
            )
            return redirect("tracking:period_close", period_id=period.pk)
        except ApplicationError as exc:
            if isinstance(exc, PermissionDeniedError) and exc.field is None:
                raise
            add_error_to_form(form, exc)
    period.refresh_from_db()
    return render(request, "tracking/period_close.html", _context(request, period, close_form=form))


@require_POST
@page_view
def period_reopen(request, period_id: int):
    period = _access(request, period_id)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            closing_service.period_reopen(
                actor=request.user,
                period=period,
                reason=form.cleaned_data["reason"],
                department=form.cleaned_data["department"],
            )
            messages.success(request, _("%(name)s is open again.") % {"name": period.label})
            return redirect("tracking:period_close", period_id=period.pk)
        except ApplicationError as exc:
            if isinstance(exc, PermissionDeniedError):
                raise
            add_error_to_form(form, exc)
    return render(request, "tracking/period_close.html", _context(request, period, reopen_form=form))
