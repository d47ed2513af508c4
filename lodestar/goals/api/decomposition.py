"""API: decomposing a goal into sub-goals."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Status

from lodestar.core.errors import ApplicationError
from lodestar.core.references_by_id import optional_ref
from lodestar.core.schemas import WRITE_ERRORS
from lodestar.goals.access import access_goal
from lodestar.goals.api.common import GoalId, goals_out, router
from lodestar.goals.models import Measure
from lodestar.goals.schemas import DecomposeIn, DecomposeOut
from lodestar.goals.services import decomposition
from lodestar.org.permissions import access_department, access_period, access_person

# --- decomposition -------------------------------------------------------------------------


@router.post(
    "/goals/{goal_id}/decompose",
    response={201: DecomposeOut, **WRITE_ERRORS},
    summary="Split a goal's target into child goals",
)
def goal_decompose(request, payload: DecomposeIn, goal_id: int = GoalId):
    """Shares must sum to 100% (mode `percent`) or amounts to the target (mode `amount`),
    else 422 with `field: "parts"`; all children are created, or none.

    On a goal already split this revises the split: parts with `goal_id` keep their sub-goals, parts
    without are added, sub-goals left out are removed (409 `part_has_records` when one has check-ins,
    items or sub-goals, or is active). An open consensus round on the split is re-opened."""
    goal = access_goal(request.user, goal_id)
    measure = None
    if payload.measure_id is not None:
        measure = Measure.objects.filter(pk=payload.measure_id, goal=goal).first()
        if measure is None:
            raise ApplicationError(_("Choose a measure of this goal."), field="measure_id")
    parts = []
    for part in payload.parts:
        parts.append(
            {
                "goal_id": part.goal_id,
                "label": part.label,
                "share": part.share,
                "amount": part.amount,
                "owner": optional_ref("parts", access_person, request.user, part.owner_id),
                "department": optional_ref("parts", access_department, request.user, part.department_id),
                "period": optional_ref("parts", access_period, request.user, part.period_id),
            }
        )
    children = decomposition.goal_decompose(
        actor=request.user,
        goal=goal,
        dimension=payload.dimension,
        measure=measure,
        mode=payload.mode,
        parts=parts,
        reason=payload.reason,
    )
    return Status(201, {"children": goals_out(request.user, [child.pk for child in children])})
