"""API schemas of budgets (API.md: /budget-lines, /spend, /channel-roi): money as decimal strings,
ROI as a 4-place fraction string (3 → "3.0000"), shares as 4-place fractions of the scope's plan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import WithJsonSchema

from lodestar.core.numbers import amount_str, rate_str
from lodestar.core.schemas import MAX_ID, FilterSchema, InputSchema, NonNegativeDecimal

VERSION = Field(..., ge=1, le=2**31 - 1)

# A fraction from 0 to 1 ("0.20" is 20%), documented as such in both JSON forms.
Fraction = Annotated[
    Decimal,
    Field(ge=0, le=1),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 1},
                {"type": "string", "pattern": r"^(0(\.[0-9]{1,4})?|1(\.0{1,4})?)$"},
            ]
        }
    ),
]


class AllocationOut(Schema):
    month: dt.date
    share: str = Field(description='Percent of the line\'s planned amount, e.g. "25.0000"')
    amount: str

    @staticmethod
    def resolve_share(obj):
        return amount_str(obj.share, min_places=4)

    @staticmethod
    def resolve_amount(obj):
        return amount_str(obj.amount)


class BudgetLineOut(Schema):
    id: int
    period_id: int
    department_id: int
    category_id: int
    category: str
    channel_id: int | None
    channel: str | None
    planned: str
    spent: str = Field(description="Read-only: the sum of the line's spend entries")
    remaining: str = Field(description="Read-only: planned − spent (negative when overspent)")
    attributed_revenue: str = Field(description="Read-only: the sum of the line's monthly attribution")
    leads: int = Field(description="Read-only: the sum of the line's monthly leads")
    roi: str | None = Field(description="Read-only: attributed revenue / spent; null without spend")
    cost_per_lead: str | None = Field(description="Read-only: spent / leads; null without leads")
    allocations: list[AllocationOut] = Field(description="The planned amount split over the period's months")
    note: str
    reallocation_id: int | None
    created_by_id: int | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_category(obj):
        return str(obj.category)

    @staticmethod
    def resolve_channel(obj):
        return str(obj.channel) if obj.channel_id else None

    @staticmethod
    def resolve_planned(obj):
        return amount_str(obj.planned)

    @staticmethod
    def resolve_spent(obj):
        return amount_str(obj.spent)

    @staticmethod
    def resolve_remaining(obj):
        return amount_str(obj.planned - obj.spent)

    @staticmethod
    def resolve_attributed_revenue(obj):
        return amount_str(obj.revenue)

    @staticmethod
    def resolve_roi(obj):
        from lodestar.budget.domain import roi

        return rate_str(roi(obj.revenue, obj.spent))

    @staticmethod
    def resolve_cost_per_lead(obj):
        from lodestar.budget.domain import cost_per_lead

        value = cost_per_lead(obj.spent, obj.leads)
        return amount_str(value.quantize(Decimal("0.01"))) if value is not None else None

    @staticmethod
    def resolve_allocations(obj):
        return list(obj.allocations.all())


class BudgetLinePage(Schema):
    items: list[BudgetLineOut]
    count: int
    page: int
    page_size: int


class BudgetLineFilter(FilterSchema):
    period_id: int | None = Field(None, ge=1, le=MAX_ID, description="Lines whose period lies within it")
    department_id: int | None = Field(None, ge=1, le=MAX_ID, description="The department and those below")
    category_id: int | None = Field(None, ge=1, le=MAX_ID)
    channel_id: int | None = Field(None, ge=1, le=MAX_ID)
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


class BudgetLineIn(InputSchema):
    period_id: int = Field(..., ge=1, le=MAX_ID)
    department_id: int = Field(..., ge=1, le=MAX_ID)
    category_id: int = Field(..., ge=1, le=MAX_ID)
    channel_id: int | None = Field(None, ge=1, le=MAX_ID)
    planned: NonNegativeDecimal
    note: str = Field("", max_length=2000)
    shares: list[NonNegativeDecimal] | None = Field(
        None, max_length=60, description="Percent per month of the period, summing to 100 (default: even)"
    )
    amounts: list[NonNegativeDecimal] | None = Field(
        None, max_length=60, description="Amount per month, summing to `planned` (instead of `shares`)"
    )


class BudgetLinePatch(InputSchema):
    version: int = VERSION
    planned: NonNegativeDecimal | None = None
    category_id: int | None = Field(None, ge=1, le=MAX_ID)
    channel_id: int | None = Field(None, ge=1, le=MAX_ID)
    clear_channel: bool = Field(False, description="True to remove the line's channel")
    note: str | None = Field(None, max_length=2000)
    shares: list[NonNegativeDecimal] | None = Field(None, max_length=60)
    amounts: list[NonNegativeDecimal] | None = Field(None, max_length=60)
    reason: str = Field("", max_length=100, description="Why, kept in the line's history")


class SpendOut(Schema):
    id: int
    line_id: int
    date: dt.date
    amount: str
    note: str
    source: Literal["typed", "imported"]
    created_by_id: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_amount(obj):
        return amount_str(obj.amount)


class SpendPage(Schema):
    items: list[SpendOut]
    count: int
    page: int
    page_size: int


class SpendFilter(FilterSchema):
    line_id: int | None = Field(None, ge=1, le=MAX_ID)
    period_id: int | None = Field(None, ge=1, le=MAX_ID)
    department_id: int | None = Field(None, ge=1, le=MAX_ID)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


class SpendIn(InputSchema):
    line_id: int = Field(..., ge=1, le=MAX_ID)
    date: dt.date
    amount: NonNegativeDecimal
    note: str = Field("", max_length=200)


class AttributionIn(InputSchema):
    month: dt.date = Field(description="Any day of the month; stored as its first day")
    revenue: NonNegativeDecimal
    leads: int = Field(..., ge=0, le=2**31 - 1)


class AttributionOut(Schema):
    line_id: int
    month: dt.date
    revenue: str
    leads: int

    @staticmethod
    def resolve_revenue(obj):
        return amount_str(obj.revenue)


class ChannelRoiFilter(FilterSchema):
    period_id: int = Field(..., ge=1, le=MAX_ID)
    department_id: int | None = Field(None, ge=1, le=MAX_ID, description="Default: everything you may see")
    test_share: Fraction = Field(Decimal("0.20"), description="Fraction of the freed budget to test channels")


class ChannelRoiRow(Schema):
    channel_id: int
    channel: str
    rank: int | None = Field(description="1 = best ROI; null without spend or for a test channel")
    planned: str
    spent: str
    attributed_revenue: str
    leads: int
    roi: str | None
    cost_per_lead: str | None
    share: str | None = Field(description="The channel's share of the scope's channel plan, 4-place fraction")
    recommendation: Literal["cut", "increase", "keep", "test", "no_spend"]
    change: str = Field(description="What the proposal moves: negative for a cut")
    proposed: str = Field(description="The channel's planned amount next period if accepted")


class ChannelRoiOut(Schema):
    period_id: int
    department_id: int | None
    next_period_id: int | None
    test_share: str
    freed: str = Field(description="The flagged channels' planned amount, carried to the next period")
    to_tests: str
    to_kept: str
    unallocated: str
    notes: list[str]
    channels: list[ChannelRoiRow]


class ReallocationIn(InputSchema):
    period_id: int = Field(..., ge=1, le=MAX_ID)
    department_id: int = Field(..., ge=1, le=MAX_ID)
    test_share: Fraction = Field(Decimal("0.20"), description="Fraction of the freed budget to test channels")
    note: str = Field("", max_length=2000)


class ReallocationOut(Schema):
    id: int
    department_id: int
    from_period_id: int
    to_period_id: int
    test_share: str
    freed: str
    to_tests: str
    to_kept: str
    unallocated: str
    note: str
    accepted_by_id: int | None
    created_at: dt.datetime
    line_ids: list[int]

    @staticmethod
    def resolve_test_share(obj):
        return rate_str(obj.test_share)

    @staticmethod
    def resolve_freed(obj):
        return amount_str(obj.freed)

    @staticmethod
    def resolve_to_tests(obj):
        return amount_str(obj.to_tests)

    @staticmethod
    def resolve_to_kept(obj):
        return amount_str(obj.to_kept)

    @staticmethod
    def resolve_unallocated(obj):
        return amount_str(obj.unallocated)

    @staticmethod
    def resolve_line_ids(obj):
        return sorted(obj.lines.values_list("pk", flat=True))
