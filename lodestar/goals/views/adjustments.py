"""Target adjustment pages: request (or apply) a change, approve, reject, withdraw."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lodestar.core.errors import ApplicationError, NotFound
from lodestar.core.http import page_view, service_errors
from lodestar.goals.access import access_goal
from lodestar.goals.forms import AdjustmentDecisionForm, AdjustmentForm
from lodestar.goals.models import TargetAdjustment
from lodestar.goals.services import adjustments as adjustment_service
from lodestar.org.permissions import is_admin


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
