"""API: a goal's measures."""

from __future__ import annotations

from ninja import Query, Status

from lodestar.core.references_by_id import require_values
from lodestar.core.schemas import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, page_out
from lodestar.goals import services
from lodestar.goals.access import access_goal, access_measure
from lodestar.goals.api.common import NOT_NULL_MEASURE_FIELDS, GoalId, MeasureId, measure_out, router
from lodestar.goals.models import Measure
from lodestar.goals.schemas import MeasureIn, MeasureOut, MeasurePage, MeasurePatch, PageIn

# --- measures ------------------------------------------------------------------------------


@router.get(
    "/goals/{goal_id}/measures", response={200: MeasurePage, **LIST_ERRORS}, summary="A goal's measures"
)
def measure_list(request, filters: Query[PageIn], goal_id: int = GoalId):
    goal = access_goal(request.user, goal_id)
    return page_out(
        Measure.objects.filter(goal=goal).order_by("sort_order", "id"), filters.page, filters.page_size
    )


@router.post("/goals/{goal_id}/measures", response={201: MeasureOut, **WRITE_ERRORS}, summary="Add a measure")
def measure_create(request, payload: MeasureIn, goal_id: int = GoalId):
    goal = access_goal(request.user, goal_id)
    measure = services.measure_create(actor=request.user, goal=goal, **payload.dict())
    return Status(201, measure_out(measure.pk))


@router.get("/measures/{measure_id}", response={200: MeasureOut, **READ_ERRORS}, summary="One measure")
def measure_detail(request, measure_id: int = MeasureId):
    return access_measure(request.user, measure_id)


@router.patch(
    "/measures/{measure_id}",
    response={200: MeasureOut, **WRITE_ERRORS},
    summary="Change a measure or report its current value",
)
def measure_patch(request, payload: MeasurePatch, measure_id: int = MeasureId):
    """Targets of an active goal change only through an adjustment (422 `adjustment_required`);
    its owner and managers may report `current` alone."""
    measure = access_measure(request.user, measure_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    require_values(data, NOT_NULL_MEASURE_FIELDS)
    services.measure_update(actor=request.user, measure=measure, version=version, **data)
    return measure_out(measure_id)


@router.delete(
    "/measures/{measure_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a measure of a draft goal"
)
def measure_delete(request, measure_id: int = MeasureId):
    measure = access_measure(request.user, measure_id)
    services.measure_delete(actor=request.user, measure=measure)
    return Status(204, None)
