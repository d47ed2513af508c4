"""API schemas of retrospectives (API.md: /retrospectives, /whys, /actions, /actions/{id}/promote)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from lodestar.core.numbers import amount_str, rate_str
from lodestar.core.schemas import MAX_ID, FilterSchema, InputSchema

ScopeName = Literal["goal", "department", "phase"]
CadenceName = Literal["month", "quarter", "year"]
StatusName = Literal["open", "completed"]
PromoteAs = Literal["item", "goal"]


class RetrospectiveFilter(FilterSchema):
    period_id: int | None = Field(None, ge=1, le=MAX_ID)
    department_id: int | None = Field(None, ge=1, le=MAX_ID)
    goal_id: int | None = Field(None, ge=1, le=MAX_ID)
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)
    status: StatusName | None = None
    cadence: CadenceName | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


class RetrospectiveOut(Schema):
    id: int
    scope: str
    goal_id: int | None
    department_id: int
    phase_id: int | None
    period_id: int
    cadence: str
    status: str
    title: str
    owner_id: int
    due: dt.date
    highlights: str
    problems: str
    root_cause: str
    target: str | None = Field(None, description="Read-only, from the snapshot: the (adjusted) target")
    original_target: str | None = Field(None, description="Read-only: the target before any adjustment")
    actual: str | None = Field(None, description="Read-only: the actual at the close")
    achievement_rate: str | None = Field(None, description="Read-only: actual / adjusted target, 4 places")
    original_achievement_rate: str | None = Field(None, description="Read-only: actual / original target")
    figures: dict = Field(description="Read-only: measure rows, check-in history, deviations, items")
    snapshot_taken_at: dt.datetime | None
    is_overdue: bool
    completed_at: dt.datetime | None
    completed_by_id: int | None
    signed_off_at: dt.datetime | None
    signed_off_by_id: int | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_target(obj):
        return amount_str(obj.target)

    @staticmethod
    def resolve_original_target(obj):
        return amount_str(obj.original_target)

    @staticmethod
    def resolve_actual(obj):
        return amount_str(obj.actual)

    @staticmethod
    def resolve_achievement_rate(obj):
        return rate_str(obj.achievement_rate)

    @staticmethod
    def resolve_original_achievement_rate(obj):
        return rate_str(obj.original_achievement_rate)

    @staticmethod
    def resolve_is_overdue(obj):
        from django.utils import timezone

        return obj.status == "open" and timezone.localdate() > obj.due


class RetrospectivePage(Schema):
    items: list[RetrospectiveOut]
    count: int
    page: int
    page_size: int


class RetrospectiveIn(InputSchema):
    period_id: int = Field(..., ge=1, le=MAX_ID)
    goal_id: int | None = Field(None, ge=1, le=MAX_ID)
    department_id: int | None = Field(None, ge=1, le=MAX_ID)
    phase_id: int | None = Field(None, ge=1, le=MAX_ID)
    cadence: CadenceName | None = None
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)
    due: dt.date | None = None
    title: str = Field("", max_length=200)


class RetrospectivePatch(InputSchema):
    version: int = Field(..., ge=1, le=2**31 - 1)
    title: str | None = Field(None, min_length=1, max_length=200)
    highlights: str | None = Field(None, max_length=4000)
    problems: str | None = Field(None, max_length=4000)
    root_cause: str | None = Field(None, max_length=4000)
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)
    due: dt.date | None = None


class VersionIn(InputSchema):
    version: int | None = Field(None, ge=1, le=2**31 - 1)


class WhyOut(Schema):
    id: int
    retrospective_id: int
    position: int
    question: str
    answer: str


class WhyIn(InputSchema):
    question: str = Field(..., min_length=1, max_length=300)
    answer: str = Field(..., min_length=1, max_length=300)


class WhyPatch(InputSchema):
    question: str | None = Field(None, min_length=1, max_length=300)
    answer: str | None = Field(None, min_length=1, max_length=300)
    position: int | None = Field(None, ge=1, le=100)


class ActionOut(Schema):
    id: int
    retrospective_id: int
    title: str
    owner_id: int
    due: dt.date
    promote_as: str
    status: str
    item_id: int | None = Field(None, description="Read-only: the action item it became")
    goal_id: int | None = Field(None, description="Read-only: the goal it became")
    version: int


class ActionIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    owner_id: int = Field(..., ge=1, le=MAX_ID)
    due: dt.date
    promote_as: PromoteAs | Literal[""] = ""


class ActionPatch(InputSchema):
    version: int | None = Field(None, ge=1, le=2**31 - 1)
    title: str | None = Field(None, min_length=1, max_length=200)
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)
    due: dt.date | None = None
    promote_as: PromoteAs | Literal[""] | None = None
    status: Literal["planned", "done"] | None = None


class PromoteIn(InputSchema):
    promote_as: PromoteAs | None = None
    create_next_period: bool = False
