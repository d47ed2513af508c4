"""API schemas for tracking: check-ins, time-phased plans, forecasts and deviation categories.

Numbers go out as decimal strings (lodestar.core.numbers): quantities with at least two
places, rates with exactly four (`5/7` → `"0.7143"`). `completion_rate` and `deviation_rate`
are read-only. The resource need is one nested object, `resource_need`
`{"budget": "2000.00", "people": "1 amateur blogger", "other": ""}`, in and out.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from lodestar.core.numbers import amount_str, rate_str
from lodestar.core.schemas import MAX_ID, FilterSchema, InputSchema, NonNegativeDecimal
from lodestar.tracking import domain
from lodestar.tracking.models import CheckInPeriod


def optional_id(**kwargs):
    return Field(None, ge=1, le=MAX_ID, **kwargs)


# --- check-ins -------------------------------------------------------------------------------


class ResourceNeedOut(Schema):
    budget: str | None = Field(None, description="Budget needed in yuan, decimal string")
    people: str = ""
    other: str = ""


class ResourceNeedIn(InputSchema):
    budget: NonNegativeDecimal | None = Field(
        None, description="Budget needed in yuan (元)", examples=["2000"]
    )
    people: str = Field("", max_length=200, examples=["1 amateur blogger"])
    other: str = Field("", max_length=300)


class CheckInOut(Schema):
    id: int
    measure_id: int | None = None
    item_id: int | None = None
    goal_id: int | None = Field(None, description="Read-only: the goal of the measure or of the item")
    period_kind: str = Field(..., description="`day`, `week` or `month`")
    period_start: dt.date
    period_end: dt.date
    planned: str | None = Field(None, description="Planned quantity for the period, decimal string")
    actual: str | None = Field(None, description="Actual quantity for the period, decimal string")
    cumulative: str | None = Field(None, description="Cumulative value at the period end, decimal string")
    deviation_category: str | None = Field(None, description="The category's `code`")
    deviation_reason: str
    improvement: str
    resource_need: ResourceNeedOut
    confidence: int | None = Field(None, description="0–10")
    comment: str
    author_id: int
    origin: str = Field(
        "reported",
        description="Read-only: `reported` (typed by a person) or `source` (fed from a data source, 来源数据)",
    )
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    completion_rate: str | None = Field(
        None, description='Read-only: actual / planned with 4 places (7 → 5: "0.7143")'
    )
    deviation_rate: str | None = Field(
        None, description='Read-only: (actual − planned) / planned with 4 places (50万 → 35万: "-0.3000")'
    )

    @staticmethod
    def resolve_goal_id(obj):
        if obj.measure_id:
            return obj.measure.goal_id
        return obj.item.goal_id if obj.item_id else None

    @staticmethod
    def resolve_planned(obj):
        return amount_str(obj.planned)

    @staticmethod
    def resolve_actual(obj):
        return amount_str(obj.actual)

    @staticmethod
    def resolve_cumulative(obj):
        return amount_str(obj.cumulative)

    @staticmethod
    def resolve_deviation_category(obj):
        return obj.deviation_category.code if obj.deviation_category_id else None

    @staticmethod
    def resolve_resource_need(obj):
        return {
            "budget": amount_str(obj.resource_budget),
            "people": obj.resource_people,
            "other": obj.resource_other,
        }

    @staticmethod
    def resolve_completion_rate(obj):
        return rate_str(domain.completion_rate(obj.planned, obj.actual))

    @staticmethod
    def resolve_deviation_rate(obj):
        return rate_str(domain.deviation_rate(obj.planned, obj.actual))


class CheckInPage(Schema):
    items: list[CheckInOut]
    count: int
    page: int
    page_size: int


class CheckInIn(InputSchema):
    """A check-in of one period on exactly one of `measure_id` / `item_id`. Posting a period that
    already has a check-in corrects it (send its `version` to guard against overwriting)."""

    measure_id: int | None = optional_id(description="The measure reported on (or `item_id`)")
    item_id: int | None = optional_id(description="The action item reported on (or `measure_id`)")
    period_kind: CheckInPeriod = CheckInPeriod.WEEK
    period_start: dt.date = Field(..., examples=["2026-04-13"])
    period_end: dt.date = Field(..., examples=["2026-04-19"])
    planned: Decimal | None = Field(None, examples=["7"])
    actual: Decimal | None = Field(None, examples=["5"])
    cumulative: Decimal | None = Field(
        None, description="Empty: the previous period's cumulative (or the baseline) plus `actual`"
    )
    deviation_category: str | None = Field(None, max_length=40, description="A deviation category's `code`")
    deviation_reason: str = Field("", max_length=4000)
    improvement: str = Field("", max_length=4000)
    resource_need: ResourceNeedIn | None = None
    confidence: int | None = Field(None, ge=0, le=10)
    comment: str = Field("", max_length=4000)
    version: int | None = Field(None, ge=1, description="When correcting an existing period")


class CheckInPatch(InputSchema):
    """Change a check-in's figures or texts (not its subject or period). Sending `actual` without
    `cumulative` recomputes the cumulative as the previous period's plus `actual`."""

    version: int = Field(..., ge=1)
    period_kind: CheckInPeriod | None = None
    planned: Decimal | None = None
    actual: Decimal | None = None
    cumulative: Decimal | None = None
    deviation_category: str | None = Field(None, max_length=40)
    deviation_reason: str | None = Field(None, max_length=4000)
    improvement: str | None = Field(None, max_length=4000)
    resource_need: ResourceNeedIn | None = None
    confidence: int | None = Field(None, ge=0, le=10)
    comment: str | None = Field(None, max_length=4000)


class CheckInFilterIn(FilterSchema):
    measure_id: int | None = optional_id()
    item_id: int | None = optional_id()
    author_id: int | None = optional_id()
    goal_id: int | None = optional_id()
    department_id: int | None = optional_id(description="Includes sub-departments")
    period_start_after: dt.date | None = Field(None, description="period_start on or after this date")
    period_start_before: dt.date | None = Field(None, description="period_start on or before this date")
    ordering: Literal["period_start", "-period_start", "updated_at", "-updated_at", "id", "-id"] = (
        "-period_start"
    )
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


# --- plans and forecasts ---------------------------------------------------------------------


class PlanPointSchema(Schema):
    date: dt.date
    expected_cumulative: str = Field(..., description="Decimal string")


class PlanOut(Schema):
    measure_id: int
    version: int = Field(..., description="The measure's version: send it back with the next PUT")
    source: str = Field(..., description="`even`, `curve` or `manual`")
    is_default: bool = Field(
        ..., description="True when no plan was saved: an even straight line over the goal's period"
    )
    points: list[PlanPointSchema]


class PlanPointIn(InputSchema):
    date: dt.date
    expected_cumulative: Decimal


class PlanIn(InputSchema):
    version: int = Field(
        ..., ge=1, description="The measure's version you read; a stale one gets 409 `version_conflict`"
    )
    source: Literal["even", "curve", "manual"] = "even"
    points: list[PlanPointIn] = Field(
        default_factory=list, max_length=400, description="Only for `manual`: dates inside the goal's period"
    )
    step_days: int = Field(7, ge=1, le=366, description="Only for `even`: days between points")


class ForecastOut(Schema):
    """The projected value at the goal period's end; every figure is null when there are no
    check-ins with a cumulative value (method `no data`)."""

    measure_id: int
    period_end: dt.date
    observations: int
    expected: str | None = None
    low: str | None = Field(None, description="Lower end of the 80% prediction interval")
    high: str | None = Field(None, description="Upper end of the 80% prediction interval")
    p_base: str | None = Field(None, description="Probability of reaching the base target, 4 places")
    p_challenge: str | None = Field(None, description="Probability of reaching the challenge target")
    method: str


# --- deviation categories --------------------------------------------------------------------


class DeviationCategoryOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    label: str = Field(..., description="The name in the request's language")
    sort_order: int
    is_active: bool

    @staticmethod
    def resolve_label(obj):
        return str(obj)


class DeviationCategoryPage(Schema):
    items: list[DeviationCategoryOut]
    count: int
    page: int
    page_size: int


class DeviationCategoryFilter(FilterSchema):
    is_active: bool | None = True
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(100, ge=1, le=500)
