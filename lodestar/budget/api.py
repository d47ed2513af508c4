"""API: budgets (API.md "Resources of the next capabilities": /budget-lines, /spend, /channel-roi, and
POST /channel-roi/reallocations to accept a proposal). Thin endpoints over `access`, `selectors` and
`services`: 403 for a guest or a write the caller may not make, 404 for what they may not see, 409 for
a stale version or a state conflict, 422 with the field for a broken rule."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from lodestar.budget import access, selectors, services
from lodestar.budget.models import BudgetAllocation, BudgetCategory, BudgetLine, Spend
from lodestar.budget.schemas import (
    AttributionIn,
    AttributionOut,
    BudgetLineFilter,
    BudgetLineIn,
    BudgetLineOut,
    BudgetLinePage,
    BudgetLinePatch,
    ChannelRoiFilter,
    ChannelRoiOut,
    ReallocationIn,
    ReallocationOut,
    SpendFilter,
    SpendIn,
    SpendOut,
    SpendPage,
)
from lodestar.core.errors import NotFound
from lodestar.core.models import Period
from lodestar.core.numbers import amount_str, rate_str
from lodestar.core.schemas import LIST_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, page_out
from lodestar.metrics.models import Channel

router = Router(tags=["budget"])

LineId = Path(..., le=MAX_ID, description="The budget line's id")
SpendId = Path(..., le=MAX_ID, description="The spend entry's id")


def _period(pk: int) -> Period:
    period = Period.objects.filter(pk=pk).first()
    if period is None:
        raise NotFound(_("Period not found."), field="period_id")
    return period


def _category(pk: int) -> BudgetCategory:
    category = BudgetCategory.objects.filter(pk=pk).first()
    if category is None:
        raise NotFound(_("Budget category not found."), field="category_id")
    return category


def _channel(pk: int) -> Channel:
    channel = Channel.objects.filter(pk=pk).first()
    if channel is None:
        raise NotFound(_("Channel not found."), field="channel_id")
    return channel


def _lines(qs):
    return selectors.with_figures(qs).prefetch_related(
        Prefetch("allocations", queryset=BudgetAllocation.objects.order_by("month"))
    )


def _line_out(user, pk: int) -> BudgetLine:
    return _lines(access.visible_lines(user).filter(pk=pk)).get()


@router.get("/budget-lines", response={200: BudgetLinePage, **LIST_ERRORS}, summary="List budget lines")
def line_list(request, filters: Query[BudgetLineFilter]):
    access.require_budget_reader(request.user)
    period = _period(filters.period_id) if filters.period_id else None
    department = (
        access.access_budget_department(request.user, filters.department_id)
        if filters.department_id
        else None
    )
    qs = selectors.scoped_lines(request.user, period, department)
    if filters.category_id:
        qs = qs.filter(category_id=filters.category_id)
    if filters.channel_id:
        qs = qs.filter(channel_id=filters.channel_id)
    return page_out(
        _lines(qs).order_by("period__start", "department_id", "id"), filters.page, filters.page_size
    )


@router.post("/budget-lines", response={201: BudgetLineOut, **WRITE_ERRORS}, summary="Plan a budget line")
def line_create(request, payload: BudgetLineIn):
    department = access.access_budget_department(request.user, payload.department_id, write=True)
    line = services.budget_line_create(
        actor=request.user,
        period=_period(payload.period_id),
        department=department,
        category=_category(payload.category_id),
        channel=_channel(payload.channel_id) if payload.channel_id else None,
        planned=payload.planned,
        note=payload.note,
        shares=payload.shares,
        amounts=payload.amounts,
    )
    return Status(201, _line_out(request.user, line.pk))


@router.get(
    "/budget-lines/{line_id}", response={200: BudgetLineOut, **READ_ERRORS}, summary="One budget line"
)
def line_detail(request, line_id: int = LineId):
    access.access_line(request.user, line_id)
    return _line_out(request.user, line_id)


@router.patch(
    "/budget-lines/{line_id}", response={200: BudgetLineOut, **WRITE_ERRORS}, summary="Change a budget line"
)
def line_update(request, payload: BudgetLinePatch, line_id: int = LineId):
    line = access.access_line(request.user, line_id, write=True)
    channel: Channel | bool | None = False
    if payload.clear_channel:
        channel = None
    elif payload.channel_id:
        channel = _channel(payload.channel_id)
    services.budget_line_update(
        actor=request.user,
        line=line,
        version=payload.version,
        planned=payload.planned,
        category=_category(payload.category_id) if payload.category_id else None,
        channel=channel,
        note=payload.note,
        shares=payload.shares,
        amounts=payload.amounts,
        reason=payload.reason,
    )
    return _line_out(request.user, line_id)


@router.delete(
    "/budget-lines/{line_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a budget line without spend",
)
def line_delete(request, line_id: int = LineId):
    line = access.access_line(request.user, line_id, write=True)
    services.budget_line_delete(actor=request.user, line=line)
    return Status(204, None)


@router.put(
    "/budget-lines/{line_id}/attribution",
    response={200: AttributionOut, **WRITE_ERRORS},
    summary="Set a month's attributed revenue and leads",
)
def line_attribution(request, payload: AttributionIn, line_id: int = LineId):
    line = access.access_line(request.user, line_id, write=True)
    return services.attribution_set(
        actor=request.user, line=line, month=payload.month, revenue=payload.revenue, leads=payload.leads
    )


@router.get("/spend", response={200: SpendPage, **LIST_ERRORS}, summary="List spend entries")
def spend_list(request, filters: Query[SpendFilter]):
    access.require_budget_reader(request.user)
    period = _period(filters.period_id) if filters.period_id else None
    department = (
        access.access_budget_department(request.user, filters.department_id)
        if filters.department_id
        else None
    )
    qs = Spend.objects.filter(line__in=selectors.scoped_lines(request.user, period, department).values("pk"))
    if filters.line_id:
        qs = qs.filter(line_id=filters.line_id)
    if filters.date_from:
        qs = qs.filter(date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(date__lte=filters.date_to)
    return page_out(qs.order_by("-date", "-id"), filters.page, filters.page_size)


@router.post("/spend", response={201: SpendOut, **WRITE_ERRORS}, summary="Record a spend entry")
def spend_create(request, payload: SpendIn):
    line = access.access_line(request.user, payload.line_id, write=True)
    spend = services.spend_record(
        actor=request.user, line=line, date=payload.date, amount=payload.amount, note=payload.note
    )
    return Status(201, spend)


@router.delete("/spend/{spend_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a spend entry")
def spend_delete(request, spend_id: int = SpendId):
    spend = access.access_spend(request.user, spend_id, write=True)
    services.spend_delete(actor=request.user, spend=spend)
    return Status(204, None)


def _d(value: Decimal | None) -> str | None:
    return amount_str(value.quantize(Decimal("0.01"))) if value is not None else None


@router.get(
    "/channel-roi",
    response={200: ChannelRoiOut, **LIST_ERRORS},
    summary="Channels ranked by ROI, with advice",
)
def channel_roi(request, filters: Query[ChannelRoiFilter]):
    access.require_budget_reader(request.user)
    period = _period(filters.period_id)
    department = (
        access.access_budget_department(request.user, filters.department_id)
        if filters.department_id
        else None
    )
    proposal = selectors.channel_roi(request.user, period, department, test_share=filters.test_share)
    following = selectors.next_period(period)
    return {
        "period_id": period.pk,
        "department_id": department.pk if department else None,
        "next_period_id": following.pk if following else None,
        "test_share": rate_str(proposal.test_share),
        "freed": amount_str(proposal.freed),
        "to_tests": amount_str(proposal.to_tests),
        "to_kept": amount_str(proposal.to_kept),
        "unallocated": amount_str(proposal.unallocated),
        "notes": proposal.notes,
        "channels": [
            {
                "channel_id": row.figures.channel_id,
                "channel": row.figures.name,
                "rank": row.rank,
                "planned": amount_str(row.figures.planned),
                "spent": amount_str(row.figures.spent),
                "attributed_revenue": amount_str(row.figures.revenue),
                "leads": row.figures.leads,
                "roi": rate_str(row.roi),
                "cost_per_lead": _d(row.cost_per_lead),
                "share": rate_str(row.share),
                "recommendation": str(row.recommendation),
                "change": amount_str(row.change),
                "proposed": amount_str(row.proposed),
            }
            for row in proposal.rows
        ],
    }


@router.post(
    "/channel-roi/reallocations",
    response={201: ReallocationOut, **WRITE_ERRORS},
    summary="Accept the proposed reallocation into the next period's budget lines",
)
def reallocation_accept(request, payload: ReallocationIn):
    department = access.access_budget_department(request.user, payload.department_id, write=True)
    reallocation = services.reallocation_accept(
        actor=request.user,
        department=department,
        period=_period(payload.period_id),
        test_share=payload.test_share,
        note=payload.note,
    )
    return Status(201, reallocation)
