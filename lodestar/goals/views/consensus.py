"""Consensus pages: start a sign-off round, sign off or object, withdraw."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lodestar.core.http import page_view, service_errors
from lodestar.goals.access import access_consensus_record, access_goal, visible_goals
from lodestar.goals.forms import ConsensusStartForm, DecisionForm
from lodestar.goals.models import ConsensusRecord, GoalStatus
from lodestar.goals.services import consensus as consensus_service

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
    record = access_consensus_record(request.user, record_id, to_decide=True)
    form = DecisionForm(request.POST)
    if form.is_valid():
        with service_errors(request):
            consensus_service.consensus_decide(actor=request.user, record=record, **form.cleaned_data)
            record.refresh_from_db()
            if record.state == ConsensusRecord.State.AGREED:
                messages.success(request, _("All sign-offs are in: the goal is active."))
            else:
                messages.success(request, _("Your decision was recorded."))
    return _back_to_round(request, record)


@require_POST
@page_view
def consensus_withdraw(request, record_id: int):
    record = access_consensus_record(request.user, record_id)
    with service_errors(request):
        consensus_service.consensus_withdraw(actor=request.user, record=record)
        messages.success(request, _("Consensus withdrawn: the goal is a draft again and can be revised."))
    return _back_to_round(request, record)


def _back_to_round(request, record: ConsensusRecord):
    """To the round's first goal the reader may see; a participant who sees none (a collaborating
    department's manager) goes home, where the message says what happened."""
    goal = visible_goals(request.user).filter(consensus_records=record).order_by("id").first()
    return redirect("goals:detail", goal_id=goal.pk) if goal else redirect("home")
