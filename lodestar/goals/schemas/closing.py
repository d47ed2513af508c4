"""API schemas for period close and snapshots."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from lodestar.core.numbers import amount_str, rate_str
from lodestar.core.schemas import FilterSchema, InputSchema
from lodestar.goals.models import SnapshotKind
from lodestar.goals.schemas.common import optional_id
from lodestar.org.shell_api import PeriodOut


class PeriodCloseIn(InputSchema):
    department_id: int | None = optional_id(
        description="Close only this department's goals (and its sub-departments'); empty: the whole period "
        "(admins only)"
    )
    withdraw_pending: bool = Field(
        False,
        description="Withdraw the pending target adjustment requests of the goals in scope, in the closer's "
        "name; without it the close is refused while any is pending (409 `pending_adjustments`)",
    )
    note: str = Field("", max_length=4000)


class PeriodReopenIn(InputSchema):
    reason: str = Field(..., max_length=4000, description="Why the period is reopened; kept in the history")
    department_id: int | None = optional_id(
        description="Reopen only this department's close (and its sub-departments'); empty: every close"
    )


class PeriodClosingOut(Schema):
    id: int
    period_id: int
    department_id: int | None = Field(None, description="Empty for a close of the whole period")
    closed_by_id: int
    closed_at: dt.datetime
    note: str
    reopened_by_id: int | None = None
    reopened_at: dt.datetime | None = None
    reopen_reason: str = ""


class PeriodCloseOut(PeriodOut):
    closing: PeriodClosingOut | None = Field(None, description="The close just recorded")
    closings: list[PeriodClosingOut] = Field(
        ..., description="The period's closes, newest first (its history)"
    )


class SnapshotOut(Schema):
    id: int
    goal_id: int
    goal_name: str
    measure_id: int | None = Field(None, description="Empty for the one row of a goal without measures")
    measure_name: str
    period_id: int
    kind: SnapshotKind
    closing_id: int | None = None
    taken_at: dt.datetime
    week: dt.date | None = Field(None, description="Monday of a weekly snapshot's week")
    unit: str
    target: str | None = Field(None, description="The target in force at the time (after adjustments)")
    original_target: str | None = None
    challenge: str | None = None
    baseline: str | None = None
    actual: str | None = None
    achievement_rate: str | None = Field(None, description="Against the target in force")
    original_achievement_rate: str | None = Field(None, description="Against the original target")
    goal_achievement_rate: str | None = None
    progress: str | None = None
    health: str
    forecast: str | None = Field(None, description="Expected value at the period end")
    forecast_p_base: str | None = Field(None, description="Probability of reaching the target")

    @staticmethod
    def resolve_target(obj):
        return amount_str(obj.target)

    @staticmethod
    def resolve_original_target(obj):
        return amount_str(obj.original_target)

    @staticmethod
    def resolve_challenge(obj):
        return amount_str(obj.challenge)

    @staticmethod
    def resolve_baseline(obj):
        return amount_str(obj.baseline)

    @staticmethod
    def resolve_actual(obj):
        return amount_str(obj.actual)

    @staticmethod
    def resolve_forecast(obj):
        return amount_str(obj.forecast)

    @staticmethod
    def resolve_achievement_rate(obj):
        return rate_str(obj.achievement_rate)

    @staticmethod
    def resolve_original_achievement_rate(obj):
        return rate_str(obj.original_achievement_rate)

    @staticmethod
    def resolve_goal_achievement_rate(obj):
        return rate_str(obj.goal_achievement_rate)

    @staticmethod
    def resolve_progress(obj):
        return rate_str(obj.progress)

    @staticmethod
    def resolve_forecast_p_base(obj):
        return rate_str(obj.forecast_p_base)


class SnapshotPage(Schema):
    items: list[SnapshotOut]
    count: int
    page: int
    page_size: int


class SnapshotFilter(FilterSchema):
    goal_id: int | None = optional_id()
    period_id: int | None = optional_id()
    measure_id: int | None = optional_id()
    kind: SnapshotKind | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)
