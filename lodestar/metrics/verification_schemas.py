"""Schemas of the cross-verification API (/discrepancies, /spot-checks; API.md 数据交叉验证)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from lodestar.core.numbers import amount_str, rate_str
from lodestar.core.schemas import MAX_ID, InputSchema, PageIn

DiscrepancyStatus = Literal["open", "explained", "resolved"]
SpotResult = Literal["ok", "mismatch"]


class DiscrepancyFilter(PageIn):
    status: DiscrepancyStatus | None = None
    measure_id: int | None = Field(None, ge=1, le=MAX_ID)
    goal_id: int | None = Field(None, ge=1, le=MAX_ID)
    department_id: int | None = Field(None, ge=1, le=MAX_ID, description="Goals of this department's subtree")


class DiscrepancyOut(Schema):
    id: int
    measure_id: int
    goal_id: int
    metric_id: int
    source_id: int
    period_start: dt.date
    period_end: dt.date
    reported: str = Field(description="The reported figure (the check-in's actual), a decimal string")
    source: str = Field(description="The source's figure for the same period, a decimal string")
    difference_rate: str | None = Field(
        description="(reported − source) / |source|, 4 places; null when the source is 0 and something was reported"
    )
    tolerance: str
    status: DiscrepancyStatus
    note: str
    resolved_by_id: int | None
    resolved_at: dt.datetime | None
    version: int
    updated_at: dt.datetime

    @staticmethod
    def resolve_goal_id(obj):
        return obj.measure.goal_id

    @staticmethod
    def resolve_source_id(obj):
        return obj.metric.source_id

    @staticmethod
    def resolve_reported(obj):
        return amount_str(obj.reported)

    @staticmethod
    def resolve_source(obj):
        return amount_str(obj.source)

    @staticmethod
    def resolve_difference_rate(obj):
        return rate_str(obj.difference_rate)

    @staticmethod
    def resolve_tolerance(obj):
        return rate_str(obj.tolerance)


class DiscrepancyPage(Schema):
    items: list[DiscrepancyOut]
    count: int
    page: int
    page_size: int


class DiscrepancyPatch(InputSchema):
    status: DiscrepancyStatus | None = Field(
        None,
        description="explained (with a note saying why) or resolved (the figure was corrected); open again",
    )
    note: str | None = Field(None, max_length=4000)
    version: int = Field(ge=1, le=2**31 - 1, description="The version you read (409 when stale)")


class SpotCheckFilter(PageIn):
    source_id: int | None = Field(None, ge=1, le=MAX_ID)
    measure_id: int | None = Field(None, ge=1, le=MAX_ID)
    result: SpotResult | None = None


class SpotCheckOut(Schema):
    id: int
    source_id: int
    metric_id: int | None
    measure_id: int | None
    checked_by_id: int
    checked_at: dt.datetime
    period_start: dt.date
    period_end: dt.date
    result: SpotResult
    note: str


class SpotCheckPage(Schema):
    items: list[SpotCheckOut]
    count: int
    page: int
    page_size: int


class SpotCheckIn(InputSchema):
    source_id: int = Field(ge=1, le=MAX_ID)
    metric_id: int | None = Field(None, ge=1, le=MAX_ID)
    measure_id: int | None = Field(None, ge=1, le=MAX_ID)
    period_start: dt.date
    period_end: dt.date
    result: SpotResult
    note: str = Field("", max_length=4000)
