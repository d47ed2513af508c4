"""API: check-ins (plan vs actual), measures' time-phased plans and forecasts, deviation categories
(API.md "Core resources": `/check-ins`, `/measures/{id}/plan`, `/measures/{id}/forecast`).

Endpoints are thin, like lodestar/goals/api.py: records are fetched through the access helpers
(404 when the caller may not see them, 403 when they may see but not change them) and written
through lodestar.tracking.services, whose `ApplicationError`s config/api.py turns into JSON errors.

- A check-in is visible to whoever may see its measure's goal (`access_goal`) or its action item
  (`access_item`); it is written by whoever may report on that goal (owner, managers, admin) or
  work on that item (its R and A, managers, admin).
- The resource need is the nested object `resource_need` `{"budget", "people", "other"}`.
- `GET /measures/{id}/forecast` answers 200 even without check-ins: every figure is null and
  `method` is `"no data"`.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from lodestar.core.errors import ApplicationError
from lodestar.core.numbers import amount_str, rate_str
from lodestar.core.references_by_id import on_field
from lodestar.core.schemas import LIST_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, page_out
from lodestar.execution.access import access_item
from lodestar.goals.access import access_goal, access_measure
from lodestar.goals.models import Measure
from lodestar.org.permissions import access_department, access_person, require_person
from lodestar.tracking import services
from lodestar.tracking.access import access_checkin, visible_checkins
from lodestar.tracking.models import CheckIn, DeviationCategory, PlanPoint
from lodestar.tracking.schemas import (
    CheckInFilterIn,
    CheckInIn,
    CheckInOut,
    CheckInPage,
    CheckInPatch,
    DeviationCategoryFilter,
    DeviationCategoryPage,
    ForecastOut,
    PlanIn,
    PlanOut,
)

router = Router(tags=["tracking"])

CheckInId = Path(..., le=MAX_ID, description="The check-in's id")
MeasureId = Path(..., le=MAX_ID, description="The measure's id")

RESOURCE_FIELDS = {"budget": "resource_budget", "people": "resource_people", "other": "resource_other"}
TEXT_FIELDS = ("deviation_reason", "improvement", "comment")


def _checkins():
    return CheckIn.objects.select_related("measure", "item", "deviation_category")


def _category(code: str | None) -> DeviationCategory | None:
    if not code:
        return None
    category = DeviationCategory.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise ApplicationError(_("Choose one of the deviation categories."), field="deviation_category")
    return category


def _resource_fields(resource_need: dict | None) -> dict:
    if resource_need is None:
        return {}
    return {
        model_field: resource_need[key] if key == "budget" else (resource_need[key] or "")
        for key, model_field in RESOURCE_FIELDS.items()
        if key in resource_need
    }


def checkin_out(checkin_id: int) -> CheckIn:
    """One check-in as `GET /check-ins/{id}` answers it (public: the trash answers a restore with it)."""
    return _checkins().get(pk=checkin_id)


# --- check-ins -----------------------------------------------------------------------------


@router.get("/check-ins", response={200: CheckInPage, **LIST_ERRORS}, summary="List check-ins")
def checkin_list(request, filters: Query[CheckInFilterIn]):
    """Check-ins the caller may see, newest period first. `department_id` includes sub-departments
    (the department of the measure's goal or of the item); `goal_id` matches check-ins on the
    goal's measures and on its items."""
    user = request.user
    require_person(user)
    queryset = visible_checkins(user)
    if filters.measure_id is not None:
        access_measure(user, filters.measure_id)
        queryset = queryset.filter(measure_id=filters.measure_id)
    if filters.item_id is not None:
        access_item(user, filters.item_id)
        queryset = queryset.filter(item_id=filters.item_id)
    if filters.goal_id is not None:
        access_goal(user, filters.goal_id)
        queryset = queryset.filter(Q(measure__goal_id=filters.goal_id) | Q(item__goal_id=filters.goal_id))
    if filters.author_id is not None:
        on_field("author_id", access_person, user, filters.author_id)
        queryset = queryset.filter(author_id=filters.author_id)
    if filters.department_id is not None:
        department = access_department(user, filters.department_id)
        queryset = queryset.filter(
            Q(measure__goal__department__path__startswith=department.path)
            | Q(item__department__path__startswith=department.path)
        )
    if filters.period_start_after is not None:
        queryset = queryset.filter(period_start__gte=filters.period_start_after)
    if filters.period_start_before is not None:
        queryset = queryset.filter(period_start__lte=filters.period_start_before)
    ordering = filters.ordering
    queryset = queryset.order_by(ordering, "-id" if ordering.startswith("-") else "id")
    return page_out(queryset, filters.page, filters.page_size)


@router.post(
    "/check-ins",
    response={201: CheckInOut, **WRITE_ERRORS},
    summary="Record a check-in on a measure or an action item",
)
def checkin_create(request, payload: CheckInIn):
    """Sets the measure's current value to the cumulative figure (or the item's actual quantity)
    and recomputes the goal and its parents, in one transaction. Posting a period that already
    has a check-in corrects that row (a stale `version` gets 409)."""
    user = request.user
    require_person(user)
    data = payload.dict()
    measure_id, item_id = data.pop("measure_id"), data.pop("item_id")
    if (measure_id is None) == (item_id is None):
        raise ApplicationError(_("A check-in is about one measure or one action item."), field="measure_id")
    # The service reads the measure (locked) and checks access itself: 404 or 403 as here.
    measure = Measure(pk=measure_id) if measure_id is not None else None
    item = access_item(user, item_id) if item_id is not None else None
    category = _category(data.pop("deviation_category"))
    data.update(_resource_fields(data.pop("resource_need")))
    checkin = services.checkin_submit(
        actor=user,
        measure=measure,
        item=item,
        period_start=data.pop("period_start"),
        period_end=data.pop("period_end"),
        period_kind=data.pop("period_kind"),
        version=data.pop("version"),
        deviation_category=category,
        **data,
    )
    return Status(201, checkin)  # holds what the answer shows: its subject, category and figures


@router.get("/check-ins/{checkin_id}", response={200: CheckInOut, **READ_ERRORS}, summary="Read a check-in")
def checkin_detail(request, checkin_id: int = CheckInId):
    return access_checkin(request.user, checkin_id)


@router.patch(
    "/check-ins/{checkin_id}",
    response={200: CheckInOut, **WRITE_ERRORS},
    summary="Change a check-in (send its `version`; a stale one gets 409)",
)
def checkin_patch(request, payload: CheckInPatch, checkin_id: int = CheckInId):
    """Figures and texts only; the subject and the period stay. Sending `actual` without
    `cumulative` recomputes the cumulative from the previous period."""
    user = request.user
    checkin = access_checkin(user, checkin_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    for field in TEXT_FIELDS:
        if field in changes and changes[field] is None:
            changes[field] = ""
    if changes.get("period_kind") is None:
        changes.pop("period_kind", None)
    data = {
        "planned": checkin.planned,
        "actual": checkin.actual,
        "cumulative": checkin.cumulative,
        "deviation_reason": checkin.deviation_reason,
        "improvement": checkin.improvement,
        "comment": checkin.comment,
        "confidence": checkin.confidence,
        "resource_budget": checkin.resource_budget,
        "resource_people": checkin.resource_people,
        "resource_other": checkin.resource_other,
    }
    if "actual" in changes and "cumulative" not in changes:
        data["cumulative"] = None
    category = checkin.deviation_category
    if "deviation_category" in changes:
        category = _category(changes.pop("deviation_category"))
    if "resource_need" in changes:
        data.update(_resource_fields(changes.pop("resource_need") or {}))
    period_kind = changes.pop("period_kind", checkin.period_kind)
    data.update(changes)
    services.checkin_submit(
        actor=user,
        measure=checkin.measure,
        item=checkin.item,
        period_start=checkin.period_start,
        period_end=checkin.period_end,
        period_kind=period_kind,
        version=version,
        deviation_category=category,
        **data,
    )
    return checkin_out(checkin.pk)


@router.delete(
    "/check-ins/{checkin_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a check-in (the measure falls back to the previous cumulative)",
)
def checkin_delete(request, checkin_id: int = CheckInId):
    checkin = access_checkin(request.user, checkin_id)
    services.checkin_delete(actor=request.user, checkin=checkin)
    return Status(204, None)


# --- plans and forecasts -------------------------------------------------------------------


def _plan_out(measure: Measure) -> dict:
    stored = list(PlanPoint.objects.filter(measure=measure).order_by("date"))
    if stored:
        points = [(p.date, p.expected_cumulative) for p in stored]
        source, is_default = stored[0].source, False
    else:
        # Shown as a saved plan would store it (the column keeps 4 places), so the same plan reads
        # the same before and after "save".
        places = Decimal(1).scaleb(-PlanPoint._meta.get_field("expected_cumulative").decimal_places)
        points = [(p.day, p.expected_cumulative.quantize(places)) for p in services.measure_plan(measure)]
        source, is_default = PlanPoint.Source.EVEN, True
    return {
        "measure_id": measure.pk,
        "version": measure.version,
        "source": str(source),
        "is_default": is_default,
        "points": [{"date": day, "expected_cumulative": amount_str(value)} for day, value in points],
    }


@router.get(
    "/measures/{measure_id}/plan",
    response={200: PlanOut, **READ_ERRORS},
    summary="A measure's time-phased plan (expected cumulative value by date)",
)
def plan_detail(request, measure_id: int = MeasureId):
    """Without a saved plan: an even straight line from the baseline to the target over the
    goal's period (`is_default: true`)."""
    return _plan_out(access_measure(request.user, measure_id))


@router.put(
    "/measures/{measure_id}/plan",
    response={200: PlanOut, **WRITE_ERRORS},
    summary="Replace a measure's plan: even split, the time-decomposition curve, or manual points",
)
def plan_save(request, payload: PlanIn, measure_id: int = MeasureId):
    """`even`: a straight line, one point every `step_days`; `curve`: follows the goal's time
    decomposition (Q1 20%, Q2 30%…; 422 on `source` without one); `manual`: `points` as given,
    dates inside the goal's period, each date once. `version` is the measure's version (409 when
    stale); saving the plan moves it on."""
    user = request.user
    measure = access_measure(user, measure_id)
    services.plan_set(
        actor=user,
        measure=measure,
        source=payload.source,
        points=[(p.date, p.expected_cumulative) for p in payload.points],
        step_days=payload.step_days,
        version=payload.version,
    )
    return _plan_out(access_measure(user, measure_id))


@router.get(
    "/measures/{measure_id}/forecast",
    response={200: ForecastOut, **READ_ERRORS},
    summary="Forecast of the measure's value at the goal period's end",
)
def forecast_detail(request, measure_id: int = MeasureId):
    """A least-squares trend through the check-ins' cumulative values (by period end), projected
    to the period end with an 80% prediction interval, and the probabilities of reaching the base
    and the challenge target (lodestar.tracking.domain.forecast). One check-in: its value over the
    days elapsed since the period start. No check-ins: 200 with null figures, method `no data`."""
    measure = access_measure(request.user, measure_id)
    period = measure.goal.period
    observations = list(
        CheckIn.objects.filter(measure=measure, cumulative__isnull=False)
        .order_by("period_end", "id")
        .values_list("period_end", "cumulative")
    )
    result = services.measure_forecast(measure, observations)
    body = {"measure_id": measure.pk, "period_end": period.end, "observations": len(observations)}
    if result is None:
        return {**body, "method": "no data"}
    return {
        **body,
        "expected": amount_str(result.expected),
        "low": amount_str(result.low),
        "high": amount_str(result.high),
        "p_base": rate_str(result.p_base),
        "p_challenge": rate_str(result.p_challenge),
        "method": result.method,
    }


# --- deviation categories ------------------------------------------------------------------


@router.get(
    "/deviation-categories",
    response={200: DeviationCategoryPage, **LIST_ERRORS},
    summary="Deviation reason categories (admin-editable)",
)
def deviation_category_list(request, filters: Query[DeviationCategoryFilter]):
    """Active categories by default; `is_active=false` lists the retired ones."""
    require_person(request.user)
    queryset = DeviationCategory.objects.order_by("sort_order", "id")
    if filters.is_active is not None:
        queryset = queryset.filter(is_active=filters.is_active)
    return page_out(queryset, filters.page, filters.page_size)
