"""API: goals — list, create, sibling weights, copy to another period, read, patch, delete, status.

Endpoints are thin: they fetch through the access helpers (404 when the caller may not see a
record, 403 when they may see but not change it), turn `*_id` references into records through
`access_person` / `access_department` / `access_period` / `access_goal`, and call the same
services and selectors as the pages. Services raise `ApplicationError`s, which config/api.py
turns into JSON errors (API.md "Core resources").
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Status

from lodestar.core.errors import ApplicationError
from lodestar.core.references_by_id import on_field, require_values
from lodestar.core.schemas import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, page_out
from lodestar.goals import selectors, services
from lodestar.goals.access import access_goal
from lodestar.goals.api.common import (
    BLANK_GOAL_FIELDS,
    NOT_NULL_GOAL_FIELDS,
    GoalId,
    access_parent,
    goal_out,
    goal_references,
    goals_out,
    router,
)
from lodestar.goals.schemas import (
    GoalCopyIn,
    GoalFilterIn,
    GoalIn,
    GoalOut,
    GoalPage,
    GoalPatch,
    GoalsOut,
    GoalStatusIn,
    WeightsIn,
)
from lodestar.goals.services import reuse
from lodestar.org.permissions import access_department, access_period, access_person, require_person

# --- goals ---------------------------------------------------------------------------------


@router.get("/goals", response={200: GoalPage, **LIST_ERRORS}, summary="List goals")
def goal_list(request, filters: Query[GoalFilterIn]):
    """Goals the caller may see. `department_id` includes sub-departments unless
    `subdepartments=false`; `root=true` gives top-level goals only."""
    require_person(request.user)
    params = filters.dict(exclude_none=True, exclude={"page", "page_size", "subdepartments"})
    department = None
    if "department_id" in params:
        department = access_department(request.user, params.pop("department_id"))
    if "period_id" in params:
        access_period(request.user, params["period_id"])
    if "owner_id" in params:
        on_field("owner_id", access_person, request.user, params["owner_id"])
    if "parent_id" in params:
        access_parent(request.user, params["parent_id"])
    params = {
        key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in params.items()
    }
    queryset = selectors.goal_list(
        request.user,
        params,
        related=selectors.API_RELATED,
        department=department,
        subdepartments=filters.subdepartments,
    )
    return page_out(queryset, filters.page, filters.page_size)


@router.post(
    "/goals", response={201: GoalOut, **WRITE_ERRORS}, summary="Create a draft goal, with its measures"
)
def goal_create(request, payload: GoalIn):
    data = goal_references(request.user, payload.dict())
    measures = data.pop("measures")
    goal = services.goal_create(
        actor=request.user,
        name=data.pop("name"),
        department=data.pop("department"),
        period=data.pop("period"),
        owner=data.pop("owner"),
        measures=measures,
        collaborating_departments=data.pop("collaborating_departments", []),
        **data,
    )
    return Status(201, goal_out(request.user, goal.pk))


@router.put(
    "/goals/weights",
    response={200: GoalsOut, **WRITE_ERRORS},
    summary="Save the weights of a set of sibling goals (they must sum to 100%)",
)
def goal_weights_save(request, payload: WeightsIn):
    ids = [row.goal_id for row in payload.weights]
    if len(set(ids)) != len(ids):
        raise ApplicationError(_("Each goal may appear only once."), field="weights")
    for pk in ids:
        access_goal(request.user, pk)
    goals = services.sibling_weights_save(
        actor=request.user,
        weights={row.goal_id: row.weight for row in payload.weights},
        versions={row.goal_id: row.version for row in payload.weights},
    )
    return {"goals": goals_out(request.user, [goal.pk for goal in goals])}


@router.post(
    "/goals/copy",
    response={201: GoalsOut, **WRITE_ERRORS},
    summary="Copy a department's goals into another period as drafts",
)
def goal_copy(request, payload: GoalCopyIn):
    department = access_department(request.user, payload.department_id)
    source = on_field("source_period_id", access_period, request.user, payload.source_period_id)
    target = on_field("target_period_id", access_period, request.user, payload.target_period_id)
    goals = reuse.goals_copy_to_period(
        actor=request.user, department=department, source=source, target=target
    )
    return Status(201, {"goals": goals_out(request.user, [goal.pk for goal in goals])})


@router.get("/goals/{goal_id}", response={200: GoalOut, **READ_ERRORS}, summary="One goal")
def goal_detail(request, goal_id: int = GoalId):
    access_goal(request.user, goal_id)
    return goal_out(request.user, goal_id)


@router.patch(
    "/goals/{goal_id}",
    response={200: GoalOut, **WRITE_ERRORS},
    summary="Change a goal (send its `version`; a stale one gets 409)",
)
def goal_patch(request, payload: GoalPatch, goal_id: int = GoalId):
    goal = access_goal(request.user, goal_id, write=True)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    require_values(data, NOT_NULL_GOAL_FIELDS)
    for field in BLANK_GOAL_FIELDS:
        if field in data and data[field] is None:
            data[field] = ""
    data = goal_references(request.user, data)
    services.goal_update(
        actor=request.user,
        goal=goal,
        version=version,
        collaborating_departments=data.pop("collaborating_departments", None),
        **data,
    )
    return goal_out(request.user, goal_id)


@router.delete(
    "/goals/{goal_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a draft goal (others are cancelled instead: 409)",
)
def goal_delete(request, goal_id: int = GoalId):
    goal = access_goal(request.user, goal_id, write=True)
    services.goal_delete(actor=request.user, goal=goal)
    return Status(204, None)


@router.post(
    "/goals/{goal_id}/status",
    response={200: GoalOut, **WRITE_ERRORS},
    summary="Close, cancel or reopen a goal",
)
def goal_status(request, payload: GoalStatusIn, goal_id: int = GoalId):
    goal = access_goal(request.user, goal_id)
    services.goal_set_status(actor=request.user, goal=goal, status=payload.status, version=payload.version)
    return goal_out(request.user, goal_id)
