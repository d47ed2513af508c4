"""API schemas of appraisal cycles and calibration (API.md: /appraisal-cycles, /calibrations)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from lodestar.appraisal.models import Cycle
from lodestar.core.numbers import amount_str, rate_str
from lodestar.core.schemas import MAX_ID, FilterSchema, InputSchema

StageName = Literal["setup", "self", "manager", "peer", "calibration", "published", "feedback"]
GradeName = Literal["S", "A", "B", "C", "D"]
VERSION = Field(..., ge=1, le=2**31 - 1)


class ScopeIn(InputSchema):
    department_ids: list[int] = Field(default_factory=list, max_length=500)
    position_ids: list[int] = Field(default_factory=list, max_length=500)


class ReviewerWeightsIn(InputSchema):
    manager: Decimal
    peer: Decimal
    self: Decimal


class GuidelineIn(InputSchema):
    s_max: Decimal | None = None
    c_min: Decimal | None = None


class StageDateIn(InputSchema):
    stage: StageName
    starts: dt.date
    ends: dt.date


class CycleIn(InputSchema):
    period_id: int = Field(..., ge=1, le=MAX_ID)
    name: str = Field("", max_length=100)
    scope: ScopeIn | None = None
    template_ids: list[int] = Field(default_factory=list, max_length=500)
    stage: Literal["setup"] | None = Field(None, description="A new cycle is always in setup")
    reviewer_weights: ReviewerWeightsIn | None = None
    formula: str = Field("", max_length=2000)
    grade_thresholds: dict[str, Decimal] | None = None
    bonus_coefficients: dict[str, Decimal] | None = None
    guideline: GuidelineIn | None = None
    pip_on_c: bool | None = None
    stage_dates: list[StageDateIn] | None = Field(None, max_length=10)


class CyclePatch(InputSchema):
    version: int = VERSION
    period_id: int | None = Field(None, ge=1, le=MAX_ID)
    name: str | None = Field(None, min_length=1, max_length=100)
    scope: ScopeIn | None = None
    template_ids: list[int] | None = Field(None, max_length=500)
    reviewer_weights: ReviewerWeightsIn | None = None
    formula: str | None = Field(None, max_length=2000)
    grade_thresholds: dict[str, Decimal] | None = None
    bonus_coefficients: dict[str, Decimal] | None = None
    guideline: GuidelineIn | None = None
    pip_on_c: bool | None = None
    stage_dates: list[StageDateIn] | None = Field(None, max_length=10)


class CycleVersionIn(InputSchema):
    version: int = VERSION


class AdvanceIn(InputSchema):
    version: int = VERSION
    to_stage: StageName | None = None


class StageDateOut(Schema):
    stage: str
    starts: dt.date
    ends: dt.date


class CycleOut(Schema):
    id: int
    name: str
    period_id: int
    scope: dict = Field(description="department_ids and position_ids; empty lists mean everyone")
    template_ids: list[int]
    stage: str
    start_status: str = Field(description="'' (not started), queued, running, done or failed")
    start_total: int
    start_done: int
    start_error: str
    reviewer_weights: dict[str, str]
    formula: str
    grade_thresholds: dict
    bonus_coefficients: dict
    guideline: dict[str, str]
    pip_on_c: bool
    stage_dates: list[StageDateOut]
    published_at: dt.datetime | None
    published_by_id: int | None
    created_by_id: int | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_scope(obj: Cycle):
        return {
            "department_ids": [d.pk for d in obj.departments.all()],
            "position_ids": [p.pk for p in obj.positions.all()],
        }

    @staticmethod
    def resolve_template_ids(obj: Cycle):
        return [t.pk for t in obj.templates.all()]

    @staticmethod
    def resolve_reviewer_weights(obj: Cycle):
        return {
            "manager": amount_str(obj.weight_manager),
            "peer": amount_str(obj.weight_peer),
            "self": amount_str(obj.weight_self),
        }

    @staticmethod
    def resolve_guideline(obj: Cycle):
        return {"s_max": amount_str(obj.guideline_s_max), "c_min": amount_str(obj.guideline_c_min)}

    @staticmethod
    def resolve_stage_dates(obj: Cycle):
        return list(obj.stage_dates.all())


class CyclePage(Schema):
    items: list[CycleOut]
    count: int
    page: int
    page_size: int


class CycleFilter(FilterSchema):
    period_id: int | None = Field(None, ge=1, le=MAX_ID)
    stage: StageName | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


class ScopePersonOut(Schema):
    person_id: int
    name: str
    department_id: int | None
    department: str
    position_id: int | None
    position: str
    template_id: int
    template: str


class ScopeSkippedOut(Schema):
    person_id: int
    name: str
    reason: str = Field(description="no_position, no_template or incomplete_template")


class ScopeOut(Schema):
    included_count: int
    included: list[ScopePersonOut]
    skipped: list[ScopeSkippedOut]


class CalibrationIn(InputSchema):
    appraisal_id: int = Field(..., ge=1, le=MAX_ID)
    to_grade: GradeName
    reason: str = Field(..., max_length=2000)
    version: int = VERSION


class CalibrationOut(Schema):
    id: int
    appraisal_id: int
    cycle_id: int
    person_id: int
    from_grade: str
    to_grade: str
    reason: str
    moved_by_id: int
    appeal_id: int | None
    created_at: dt.datetime
    grade: str = Field(description="The appraisal's computed grade")
    calibrated_grade: str = Field(description="The appraisal's grade after calibration ('' when none)")
    appraisal_version: int

    @staticmethod
    def resolve_cycle_id(obj):
        return obj.appraisal.cycle_id

    @staticmethod
    def resolve_person_id(obj):
        return obj.appraisal.person_id

    @staticmethod
    def resolve_grade(obj):
        return obj.appraisal.grade

    @staticmethod
    def resolve_calibrated_grade(obj):
        return obj.appraisal.calibrated_grade

    @staticmethod
    def resolve_appraisal_version(obj):
        return obj.appraisal.version


class GradeCountOut(Schema):
    grade: str
    count: int
    share: str = Field(description="A fraction with 4 places")
    out_of_guideline: bool


class SuggestionOut(Schema):
    appraisal_id: int
    to_grade: str


class CalibrationAppraisalOut(Schema):
    id: int
    person_id: int
    name: str
    department_id: int
    position_id: int
    final_score: str | None
    grade: str
    calibrated_grade: str
    effective_grade: str
    version: int


class DistributionOut(Schema):
    department_id: int | None
    name: str
    total: int
    unscored: int
    s_limit: int
    c_floor: int
    within_guideline: bool
    grades: list[GradeCountOut]
    suggestions: list[SuggestionOut]
    appraisals: list[CalibrationAppraisalOut] = []


class CalibrationBoardOut(Schema):
    cycle_id: int
    stage: str
    guideline: dict[str, str]
    grades: list[str]
    departments: list[DistributionOut]
    total: DistributionOut
    moves: list[CalibrationOut]


def distribution_out(group, *, with_appraisals: bool = True) -> dict:
    dist = group.distribution
    return {
        "department_id": group.department_id,
        "name": group.name,
        "total": dist.total + group.unscored,
        "unscored": group.unscored,
        "s_limit": dist.s_limit,
        "c_floor": dist.c_floor,
        "within_guideline": dist.within,
        "grades": [
            {"grade": c.grade, "count": c.count, "share": rate_str(c.share), "out_of_guideline": c.out}
            for c in group.cells
        ],
        "suggestions": [{"appraisal_id": k, "to_grade": v} for k, v in group.suggestions.items()],
        "appraisals": [
            {
                "id": a.pk,
                "person_id": a.person_id,
                "name": a.person.display_name,
                "department_id": a.department_id,
                "position_id": a.position_id,
                "final_score": amount_str(a.final_score),
                "grade": a.grade,
                "calibrated_grade": a.calibrated_grade,
                "effective_grade": a.effective_grade,
                "version": a.version,
            }
            for a in group.appraisals
        ]
        if with_appraisals
        else [],
    }


class CalibrationFilter(FilterSchema):
    cycle_id: int = Field(..., ge=1, le=MAX_ID)
