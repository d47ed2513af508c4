"""API: target adjustments — request, approve, reject, withdraw."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Status

from lodestar.core.errors import ApplicationError, NotFound
from lodestar.core.references_by_id import on_field
from lodestar.core.schemas import LIST_ERRORS, WRITE_ERRORS, page_out
from lodestar.goals.access import access_goal
from lodestar.goals.api.common import AdjustmentId, GoalId, router
from lodestar.goals.models import Measure, TargetAdjustment
from lodestar.goals.schemas import AdjustmentDecisionIn, AdjustmentIn, AdjustmentOut, AdjustmentPage, PageIn
from lodestar.goals.services import adjustments
from lodestar.org.permissions import access_person, require_person

# --- target adjustments --------------------------------------------------------------------


@router.get(
    "/goals/{goal_id}/adjustments",
    response={200: AdjustmentPage, **LIST_ERRORS},
    summary="A goal's target adjustments, oldest first",
)
def adjustment_list(request, filters: Query[PageIn], goal_id: int = GoalId):
    goal = access_goal(request.user, goal_id)
    queryset = TargetAdjustment.objects.filter(goal=goal).order_by("created_at", "id")
    return page_out(queryset, filters.page, filters.page_size)


@router.post(
    "/goals/{goal_id}/adjustments",
    response={201: AdjustmentOut, **WRITE_ERRORS},
    summary="Request a change of an active goal's target (pending until approved)",
)
def adjustment_create(request, payload: AdjustmentIn, goal_id: int = GoalId):
    """The request is `pending` and the approver is notified; the target changes only when an approver
    approves it. One pending request per measure (409 `adjustment_pending`). An admin's change applies at
    once (`status` approved, `applied_directly`)."""
    goal = access_goal(request.user, goal_id)
    measure = Measure.objects.filter(pk=payload.measure_id).first()
    if measure is None:
        raise ApplicationError(_("Choose a measure of this goal."), field="measure_id")
    approver = None
    if payload.approved_by_id is not None:
        approver = on_field("approved_by_id", access_person, request.user, payload.approved_by_id)
    adjustment = adjustments.adjustment_create(
        actor=request.user,
        goal=goal,
        measure=measure,
        new_target=payload.new_target,
        reason=payload.reason,
        trigger=payload.trigger,
        approved_by=approver,
        apply_directly=payload.apply_directly,
    )
    return Status(201, adjustment)


def _adjustment(user, goal_id: int, adjustment_id: int) -> TargetAdjustment:
    goal = access_goal(user, goal_id)
    adjustment = TargetAdjustment.objects.filter(goal=goal, pk=adjustment_id).first()
    if adjustment is None:
        raise NotFound(_("Target adjustment not found."), field="adjustment_id")
    return adjustment


@router.post(
    "/goals/{goal_id}/adjustments/{adjustment_id}/approve",
    response={200: AdjustmentOut, **WRITE_ERRORS},
    summary="Approve a pending target change: the target changes now",
)
def adjustment_approve(
    request, payload: AdjustmentDecisionIn, goal_id: int = GoalId, adjustment_id: int = AdjustmentId
):
    """For an admin or a manager of the goal's department or above, not the requester (403). The new
    target is checked again against the measure as it is now (422); a request that is no longer pending
    or a goal that is no longer active gives 409. The requester is notified."""
    require_person(request.user)
    adjustment = _adjustment(request.user, goal_id, adjustment_id)
    return adjustments.adjustment_approve(actor=request.user, adjustment=adjustment, comment=payload.comment)


@router.post(
    "/goals/{goal_id}/adjustments/{adjustment_id}/reject",
    response={200: AdjustmentOut, **WRITE_ERRORS},
    summary="Reject a pending target change, with the reason",
)
def adjustment_reject(
    request, payload: AdjustmentDecisionIn, goal_id: int = GoalId, adjustment_id: int = AdjustmentId
):
    """The same approvers as approval; `comment` is required (422). The target stays; the requester is
    notified with the reason."""
    require_person(request.user)
    adjustment = _adjustment(request.user, goal_id, adjustment_id)
    return adjustments.adjustment_reject(actor=request.user, adjustment=adjustment, comment=payload.comment)


@router.post(
    "/goals/{goal_id}/adjustments/{adjustment_id}/withdraw",
    response={200: AdjustmentOut, **WRITE_ERRORS},
    summary="Withdraw your own pending target change",
)
def adjustment_withdraw(request, goal_id: int = GoalId, adjustment_id: int = AdjustmentId):
    """Only the requester (403); only while pending (409). The approver is notified."""
    require_person(request.user)
    adjustment = _adjustment(request.user, goal_id, adjustment_id)
    return adjustments.adjustment_withdraw(actor=request.user, adjustment=adjustment)
