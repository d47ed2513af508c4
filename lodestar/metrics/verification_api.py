"""API of the cross-verification of reported figures (API.md: /discrepancies, /spot-checks).
Thin endpoints over `verification_access` and `verification` (services): 404 for what the caller
may not see, 403 for what they may see but not settle, 409 for a stale `version`."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from lodestar.core.errors import NotFound
from lodestar.core.schemas import LIST_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, page_out
from lodestar.goals.access import access_goal, access_measure
from lodestar.metrics import verification
from lodestar.metrics.models import DataSource, SourceMetric
from lodestar.metrics.verification_access import (
    access_discrepancy,
    visible_discrepancies,
    visible_spot_checks,
)
from lodestar.metrics.verification_schemas import (
    DiscrepancyFilter,
    DiscrepancyOut,
    DiscrepancyPage,
    DiscrepancyPatch,
    SpotCheckFilter,
    SpotCheckIn,
    SpotCheckOut,
    SpotCheckPage,
)
from lodestar.org.permissions import access_department, require_person

router = Router(tags=["verification"])

DiscrepancyId = Path(..., le=MAX_ID, description="The discrepancy's id")


def _discrepancies(user):
    return visible_discrepancies(user).select_related("measure", "metric")


@router.get(
    "/discrepancies", response={200: DiscrepancyPage, **LIST_ERRORS}, summary="Reported vs source figures"
)
def discrepancy_list(request, filters: Query[DiscrepancyFilter]):
    require_person(request.user)
    queryset = _discrepancies(request.user)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.measure_id is not None:
        queryset = queryset.filter(measure=access_measure(request.user, filters.measure_id))
    if filters.goal_id is not None:
        queryset = queryset.filter(measure__goal=access_goal(request.user, filters.goal_id))
    if filters.department_id is not None:
        department = access_department(request.user, filters.department_id)
        queryset = queryset.filter(measure__goal__department__path__startswith=department.path)
    return page_out(queryset.order_by("-period_start", "-id"), filters.page, filters.page_size)


@router.get(
    "/discrepancies/{discrepancy_id}",
    response={200: DiscrepancyOut, **READ_ERRORS},
    summary="One discrepancy",
)
def discrepancy_detail(request, discrepancy_id: int = DiscrepancyId):
    return access_discrepancy(request.user, discrepancy_id)


@router.patch(
    "/discrepancies/{discrepancy_id}",
    response={200: DiscrepancyOut, **WRITE_ERRORS},
    summary="Explain or resolve a discrepancy",
)
def discrepancy_update(request, payload: DiscrepancyPatch, discrepancy_id: int = DiscrepancyId):
    found = access_discrepancy(request.user, discrepancy_id)
    data = payload.dict(exclude_unset=True)
    verification.discrepancy_update(
        actor=request.user,
        discrepancy=found,
        status=data.get("status"),
        note=data.get("note"),
        version=data["version"],
    )
    return access_discrepancy(request.user, discrepancy_id)


@router.get(
    "/spot-checks", response={200: SpotCheckPage, **LIST_ERRORS}, summary="Spot checks of the sources"
)
def spot_check_list(request, filters: Query[SpotCheckFilter]):
    require_person(request.user)
    queryset = visible_spot_checks(request.user)
    if filters.source_id is not None:
        queryset = queryset.filter(source_id=filters.source_id)
    if filters.measure_id is not None:
        queryset = queryset.filter(measure=access_measure(request.user, filters.measure_id))
    if filters.result:
        queryset = queryset.filter(result=filters.result)
    return page_out(queryset.order_by("-checked_at", "-id"), filters.page, filters.page_size)


@router.post("/spot-checks", response={201: SpotCheckOut, **WRITE_ERRORS}, summary="Record a spot check")
def spot_check_create(request, payload: SpotCheckIn):
    require_person(request.user)
    source = DataSource.objects.filter(pk=payload.source_id).first()
    if source is None:
        raise NotFound(_("Data source not found."), field="source_id")
    metric = None
    if payload.metric_id is not None:
        metric = SourceMetric.objects.filter(pk=payload.metric_id).first()
        if metric is None:
            raise NotFound(_("Source metric not found."), field="metric_id")
    measure = access_measure(request.user, payload.measure_id) if payload.measure_id is not None else None
    check = verification.spot_check_record(
        actor=request.user,
        source=source,
        metric=metric,
        measure=measure,
        period_start=payload.period_start,
        period_end=payload.period_end,
        result=payload.result,
        note=payload.note,
    )
    return Status(201, check)
