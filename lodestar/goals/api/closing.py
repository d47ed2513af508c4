"""API: period close and reopen (POST /periods/{id}/close, /reopen) and the frozen figures (GET /snapshots).

The freeze rule is goals/closing_rules.py; every write into a closed period answers 422 `period_closed`.
"""

from __future__ import annotations

from ninja import Path, Query

from lodestar.core.references_by_id import on_field
from lodestar.core.schemas import LIST_ERRORS, MAX_ID, WRITE_ERRORS, page_out
from lodestar.goals.access import visible_goals
from lodestar.goals.api.common import router
from lodestar.goals.models import Snapshot
from lodestar.goals.schemas.closing import (
    PeriodCloseIn,
    PeriodCloseOut,
    PeriodReopenIn,
    SnapshotFilter,
    SnapshotPage,
)
from lodestar.goals.services import closing as closing_service
from lodestar.org.permissions import access_department, access_period, require_person

PeriodId = Path(..., le=MAX_ID, description="The period's id")


def _period_out(period, closing=None):
    period.refresh_from_db()
    period.closing = closing
    period.closing_history = list(closing_service.closing_history(period))
    return period


def _department(request, department_id):
    if department_id is None:
        return None
    return on_field("department_id", access_department, request.user, department_id)


@router.post(
    "/periods/{period_id}/close",
    response={200: PeriodCloseOut, **WRITE_ERRORS},
    summary="Close a period (admin) or one department's goals in it (its manager), taking snapshots",
)
def period_close(request, payload: PeriodCloseIn, period_id: int = PeriodId):
    """Freezes the goals in scope with their measures, check-ins, action items and adjustments (writes then
    answer 422 `period_closed`) and snapshots their figures (`GET /snapshots`, kind `close`).
    403: not an admin (whole period) nor a manager of the department; 404: unknown period or department;
    409 `already_closed`, or `pending_adjustments` unless `withdraw_pending`; 422: a malformed field."""
    period = access_period(request.user, period_id)
    closing = closing_service.period_close(
        actor=request.user,
        period=period,
        department=_department(request, payload.department_id),
        withdraw_pending=payload.withdraw_pending,
        note=payload.note,
    )
    return _period_out(period, closing)


@router.post(
    "/periods/{period_id}/reopen",
    response={200: PeriodCloseOut, **WRITE_ERRORS},
    summary="Reopen a closed period (admins, with a reason kept in the history)",
)
def period_reopen(request, payload: PeriodReopenIn, period_id: int = PeriodId):
    """403: not an admin; 404: unknown period or department; 409 `not_closed`, or `closed_above` when a
    close of the whole period or of a parent department still covers the department; 422 `required` on
    `reason`. The snapshots of the close stay."""
    period = access_period(request.user, period_id)
    closing_service.period_reopen(
        actor=request.user,
        period=period,
        reason=payload.reason,
        department=_department(request, payload.department_id),
    )
    return _period_out(period)


@router.get(
    "/snapshots",
    response={200: SnapshotPage, **LIST_ERRORS},
    summary="Frozen figures: close and weekly snapshots of the goals the caller may see",
)
def snapshot_list(request, filters: Query[SnapshotFilter]):
    """Newest first. Rates are fractions with 4 places (`0.9600`); both the target in force and the
    original target are kept, with the achievement against each."""
    require_person(request.user)
    queryset = Snapshot.objects.filter(goal__in=visible_goals(request.user).values("pk"))
    for field in ("goal_id", "period_id", "measure_id", "kind"):
        value = getattr(filters, field)
        if value is not None:
            queryset = queryset.filter(**{field: value})
    return page_out(
        queryset.order_by("-taken_at", "goal_id", "measure_id", "id"), filters.page, filters.page_size
    )
