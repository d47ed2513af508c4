"""API: the trash (deleted goals, items, check-ins, cases and SOPs) and restoring them — admins only.

Restoring answers with the record as its own GET would, 404 when there is no deleted record with
that id, and 409 when it cannot come back as it was (its goal or parent is deleted, its period
was reported again, its weight no longer fits).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Path, Query, Router, Schema

from lodestar.core.schemas import LIST_ERRORS, MAX_ID, WRITE_ERRORS, FilterSchema
from lodestar.execution.api import item_out
from lodestar.execution.schemas import ItemOut
from lodestar.goals.api import goal_out
from lodestar.goals.schemas import GoalOut
from lodestar.knowledge.api import case_out, sop_out
from lodestar.knowledge.schemas import CaseOut, SopOut
from lodestar.tracking.api import checkin_out
from lodestar.tracking.schemas import CheckInOut
from lodestar.trash import selectors, services

router = Router(tags=["trash"])

RecordId = Path(..., le=MAX_ID, description="The deleted record's id")


class TrashFilterIn(FilterSchema):
    kind: Literal["goal", "item", "checkin", "case", "sop"] | None = Field(
        None, description="Only one kind of record"
    )
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


class TrashOut(Schema):
    kind: str
    id: int
    title: str
    department_id: int | None
    deleted_at: dt.datetime
    deleted_by_id: int | None
    deleted_by_name: str | None


class TrashPage(Schema):
    items: list[TrashOut]
    count: int
    page: int
    page_size: int


def _row_out(row: selectors.TrashRow) -> dict:
    return {
        "kind": row.kind,
        "id": row.id,
        "title": row.title,
        "department_id": row.department.pk if row.department else None,
        "deleted_at": row.deleted_at,
        "deleted_by_id": row.deleted_by.pk if row.deleted_by else None,
        "deleted_by_name": row.deleted_by.display_name if row.deleted_by else None,
    }


@router.get(
    "/trash", response={200: TrashPage, **LIST_ERRORS}, summary="Deleted records, newest first (admins)"
)
def trash_list(request, filters: Query[TrashFilterIn]):
    rows, count = selectors.trash_page(
        request.user, kind=filters.kind, page=filters.page, page_size=filters.page_size
    )
    return {
        "items": [_row_out(r) for r in rows],
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
    }


@router.post(
    "/goals/{goal_id}/restore",
    response={200: GoalOut, **WRITE_ERRORS},
    summary="Restore a deleted goal (admins; 409 while its parent is deleted)",
)
def goal_restore(request, goal_id: int = RecordId):
    goal = services.restore(request.user, kind="goal", record_id=goal_id)
    return goal_out(request.user, goal.pk)


@router.post(
    "/items/{item_id}/restore",
    response={200: ItemOut, **WRITE_ERRORS},
    summary="Restore a deleted action item (admins; 409 while its goal is deleted)",
)
def item_restore(request, item_id: int = RecordId):
    item = services.restore(request.user, kind="item", record_id=item_id)
    return item_out(item.pk)


@router.post(
    "/check-ins/{checkin_id}/restore",
    response={200: CheckInOut, **WRITE_ERRORS},
    summary="Restore a deleted check-in (admins; 409 when its period was reported again)",
)
def checkin_restore(request, checkin_id: int = RecordId):
    checkin = services.restore(request.user, kind="checkin", record_id=checkin_id)
    return checkin_out(checkin.pk)


@router.post(
    "/cases/{case_id}/restore",
    response={200: CaseOut, **WRITE_ERRORS},
    summary="Restore a deleted case (admins)",
)
def case_restore(request, case_id: int = RecordId):
    case = services.restore(request.user, kind="case", record_id=case_id)
    return case_out(request.user, case.pk)


@router.post(
    "/sops/{sop_id}/restore",
    response={200: SopOut, **WRITE_ERRORS},
    summary="Restore a deleted SOP with its versions (admins)",
)
def sop_restore(request, sop_id: int = RecordId):
    sop = services.restore(request.user, kind="sop", record_id=sop_id)
    return sop_out(sop.pk)
