"""API schemas of what follows a published result (API.md: /pips, /appeals, /composites; also
/appraisals/{id}/feedback and /promotion-candidates). No pay figure appears here: bonus amounts stay on
the score resource, for HR and admins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from lodestar.core.numbers import amount_str
from lodestar.core.schemas import MAX_ID, FilterSchema, InputSchema

GradeName = Literal["S", "A", "B", "C", "D"]
VERSION = Field(..., ge=1, le=2**31 - 1)
OPTIONAL_VERSION = Field(None, ge=1, le=2**31 - 1)
TEXT = 4000

# --- improvement plans --------------------------------------------------------------------------


class PipFilter(FilterSchema):
    person_id: int | None = Field(None, ge=1, le=MAX_ID)
    appraisal_id: int | None = Field(None, ge=1, le=MAX_ID)
    open: bool | None = Field(None, description="true: plans still in progress; false: closed ones")
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


class PipCheckOut(Schema):
    id: int
    pip_id: int
    date: dt.date
    on_track: bool
    note: str
    recorded_by_id: int
    created_at: dt.datetime
    updated_at: dt.datetime


class PipOut(Schema):
    id: int
    person_id: int
    appraisal_id: int | None
    mentor_id: int | None
    goals: str
    check_dates: list[dt.date]
    starts: dt.date
    ends: dt.date
    outcome: str = Field(description="'' while in progress; improved / extended / not_improved")
    outcome_note: str
    closed_at: dt.datetime | None
    checks: list[PipCheckOut] = Field(description="Read-only: the results recorded on check dates")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_checks(obj):
        return list(obj.checks.all())


class PipPage(Schema):
    items: list[PipOut]
    count: int
    page: int
    page_size: int


class PipIn(InputSchema):
    person_id: int = Field(..., ge=1, le=MAX_ID)
    appraisal_id: int | None = Field(None, ge=1, le=MAX_ID)
    mentor_id: int | None = Field(None, ge=1, le=MAX_ID)
    goals: str = Field("", max_length=TEXT)
    check_dates: list[dt.date] | None = Field(
        None, max_length=24, description="Default: after 30, 60, 90 days"
    )
    starts: dt.date | None = Field(None, description="Default: today")
    ends: dt.date | None = Field(None, description="Default: 90 days after the start")


class PipPatch(InputSchema):
    version: int = VERSION
    goals: str | None = Field(None, max_length=TEXT)
    mentor_id: int | None = Field(None, ge=1, le=MAX_ID, description="null: no mentor")
    check_dates: list[dt.date] | None = Field(None, max_length=24)
    ends: dt.date | None = None


class PipCheckIn(InputSchema):
    date: dt.date = Field(description="One of the plan's check dates")
    on_track: bool
    note: str = Field("", max_length=TEXT)


class PipCloseIn(InputSchema):
    version: int | None = OPTIONAL_VERSION
    outcome: Literal["improved", "extended", "not_improved"]
    outcome_note: str = Field(..., min_length=1, max_length=TEXT)


# --- feedback meetings --------------------------------------------------------------------------


class FeedbackOut(Schema):
    id: int
    appraisal_id: int
    held_on: dt.date
    notes: str
    data_and_examples: str
    next_steps: str
    written_by_id: int
    person_ack_at: dt.datetime | None
    manager_ack_at: dt.datetime | None
    acknowledged: bool = Field(description="Read-only: acknowledged by both the person and the manager")
    version: int
    updated_at: dt.datetime

    @staticmethod
    def resolve_acknowledged(obj):
        return obj.person_ack_at is not None and obj.manager_ack_at is not None


class FeedbackIn(InputSchema):
    version: int | None = Field(None, ge=1, le=2**31 - 1, description="The version read, when rewriting")
    held_on: dt.date
    notes: str = Field(..., min_length=1, max_length=TEXT)
    data_and_examples: str = Field("", max_length=TEXT)
    next_steps: str = Field("", max_length=TEXT)


# --- appeals ------------------------------------------------------------------------------------


class AppealFilter(FilterSchema):
    appraisal_id: int | None = Field(None, ge=1, le=MAX_ID)
    status: Literal["open", "upheld", "rejected"] | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


class AppealOut(Schema):
    id: int
    appraisal_id: int
    person_id: int
    cycle_id: int
    reason: str
    status: str
    decision: str
    new_grade: str
    decided_by_id: int | None
    decided_at: dt.datetime | None
    version: int
    created_at: dt.datetime

    @staticmethod
    def resolve_person_id(obj):
        return obj.appraisal.person_id

    @staticmethod
    def resolve_cycle_id(obj):
        return obj.appraisal.cycle_id


class AppealPage(Schema):
    items: list[AppealOut]
    count: int
    page: int
    page_size: int


class AppealIn(InputSchema):
    appraisal_id: int = Field(..., ge=1, le=MAX_ID)
    reason: str = Field(..., min_length=1, max_length=TEXT)


class AppealDecideIn(InputSchema):
    version: int | None = OPTIONAL_VERSION
    status: Literal["upheld", "rejected"]
    decision: str = Field(..., min_length=1, max_length=TEXT)
    new_grade: GradeName | Literal[""] = Field("", description="Only with upheld: the grade it becomes")


# --- composites ---------------------------------------------------------------------------------


class CompositeFilter(FilterSchema):
    year_period_id: int | None = Field(None, ge=1, le=MAX_ID)
    person_id: int | None = Field(None, ge=1, le=MAX_ID)
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


class CompositeWeightsIn(InputSchema):
    month: Decimal
    quarter: Decimal
    year: Decimal


class CompositeWeightsOut(Schema):
    month: str
    quarter: str
    year: str


class CompositeFinalOut(Schema):
    appraisal_id: int
    cycle_id: int
    cycle: str
    period: str
    final_score: str


class CompositePartOut(Schema):
    part: Literal["month", "quarter", "year"]
    weight: str = Field(description="Configured weight, percent")
    effective_weight: str | None = Field(description="Fraction after renormalisation; null when missing")
    finals: list[CompositeFinalOut]
    mean: str | None
    missing: bool


class CompositeOut(Schema):
    id: int
    person_id: int
    year_period_id: int
    weights: CompositeWeightsOut
    parts: list[CompositePartOut] = Field(description="Read-only")
    renormalised: bool = Field(description="Read-only: a weighted part is missing, the rest renormalised")
    final_score: str | None = Field(description="Read-only, 2 decimals")
    grade: str = Field(description="Read-only, default thresholds")
    computed_at: dt.datetime | None
    version: int

    @staticmethod
    def resolve_weights(obj):
        return {
            "month": amount_str(obj.weight_month),
            "quarter": amount_str(obj.weight_quarter),
            "year": amount_str(obj.weight_year),
        }

    @staticmethod
    def resolve_renormalised(obj):
        return any(p.get("missing") and Decimal(p.get("weight") or 0) > 0 for p in obj.parts)

    @staticmethod
    def resolve_final_score(obj):
        return amount_str(obj.final_score)


class CompositePage(Schema):
    items: list[CompositeOut]
    count: int
    page: int
    page_size: int


class CompositeIn(InputSchema):
    person_id: int = Field(..., ge=1, le=MAX_ID)
    year_period_id: int = Field(..., ge=1, le=MAX_ID)
    weights: CompositeWeightsIn | None = Field(None, description="Percent; default 30/40/30")


# --- promotion candidates -----------------------------------------------------------------------


class PromotionFilter(FilterSchema):
    year_period_id: int | None = Field(None, ge=1, le=MAX_ID)


class QuarterResultOut(Schema):
    appraisal_id: int
    cycle_id: int
    cycle: str
    period_id: int
    period: str
    grade: str


class PromotionCandidateOut(Schema):
    person_id: int
    display_name: str
    department_id: int | None
    first: QuarterResultOut
    second: QuarterResultOut
