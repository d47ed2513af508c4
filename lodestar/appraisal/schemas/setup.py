"""API schemas of appraisal setup (API.md: /positions, /appraisal-templates, /appraisal-templates/{id}/indicators,
/competencies; also /pay-bases and /committee-members). Weights are percent strings ("40.00"), floor, cap and
step thresholds fractions with 4 places ("1.2000"), step scores strings with 2 places ("60.00")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema

from lodestar.core.numbers import amount_str, rate_str
from lodestar.core.schemas import MAX_ID, FilterSchema, InputSchema

VERSION = {"ge": 1, "le": 2**31 - 1}
KindName = Literal["quantitative", "qualitative"]
RuleName = Literal["linear", "steps"]
MarketStageName = Literal["", "new", "mature"]
GroupName = Literal["professional", "general"]
AreaName = Literal["marketing", "hr", "finance"]
RubricKey = Literal["1", "2", "3", "4", "5"]
# [threshold, score]: from this achievement fraction up, this score.
Step = Annotated[list[Decimal], Field(min_length=2, max_length=2)]


class PageFilter(FilterSchema):
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


# --- positions ---


class PositionOut(Schema):
    id: int
    name: str
    code: str | None
    sort_order: int
    version: int


class PositionPage(Schema):
    items: list[PositionOut]
    count: int
    page: int
    page_size: int


class PositionIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=60)
    code: str | None = Field(None, max_length=40, pattern=r"^[-a-zA-Z0-9_]*$")
    sort_order: int = Field(0, ge=-100000, le=100000)


class PositionPatch(InputSchema):
    version: int = Field(..., **VERSION)
    name: str | None = Field(None, min_length=1, max_length=60)
    code: str | None = Field(None, max_length=40, pattern=r"^[-a-zA-Z0-9_]*$")
    sort_order: int | None = Field(None, ge=-100000, le=100000)


# --- templates ---


class TemplateFilter(PageFilter):
    position_id: int | None = Field(None, ge=1, le=MAX_ID)
    market_stage: MarketStageName | None = None
    is_active: bool | None = None


class AppraisalTemplateOut(Schema):
    id: int
    name: str
    position_id: int
    market_stage: str
    copied_from_id: int | None
    is_active: bool
    weight_total: str = Field(description='Read-only: the indicators\' weights in percent ("100.00")')
    is_complete: bool = Field(description="Read-only: the weights total exactly 100%")
    indicator_count: int
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_weight_total(obj):
        return amount_str(getattr(obj, "weight_total", None) or 0)

    @staticmethod
    def resolve_is_complete(obj):
        return Decimal(getattr(obj, "weight_total", None) or 0) == 100

    @staticmethod
    def resolve_indicator_count(obj):
        return getattr(obj, "indicator_count", 0) or 0


class AppraisalTemplatePage(Schema):
    items: list[AppraisalTemplateOut]
    count: int
    page: int
    page_size: int


class AppraisalTemplateIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    position_id: int = Field(..., ge=1, le=MAX_ID)
    market_stage: MarketStageName = ""
    is_active: bool = True


class AppraisalTemplatePatch(InputSchema):
    version: int = Field(..., **VERSION)
    name: str | None = Field(None, min_length=1, max_length=100)
    position_id: int | None = Field(None, ge=1, le=MAX_ID)
    market_stage: MarketStageName | None = None
    is_active: bool | None = None


class TemplateCopyIn(InputSchema):
    market_stage: MarketStageName
    name: str = Field("", max_length=100)


# --- indicators ---


class IndicatorOut(Schema):
    id: int
    template_id: int
    name: str
    kind: str
    weight: str = Field(description='Percent with 2 places ("40.00")')
    goal_type_id: int | None
    goal_id: int | None
    measure_id: int | None
    rule: str
    floor: str | None = Field(
        None, description='Achievement fraction, 4 places ("0.6000"); below it the score is 0'
    )
    cap: str | None = Field(
        None, description='Achievement fraction, 4 places ("1.2000"); the score stops there'
    )
    steps: list[list[str]] = Field(description='[[threshold fraction, score], …]: [["0.6000", "60.00"], …]')
    rubric: dict[str, str] = Field(description='What each rating means: {"1": "…", …, "5": "…"}')
    sort_order: int
    version: int

    @staticmethod
    def resolve_weight(obj):
        return amount_str(obj.weight)

    @staticmethod
    def resolve_floor(obj):
        return rate_str(obj.floor)

    @staticmethod
    def resolve_cap(obj):
        return rate_str(obj.cap)

    @staticmethod
    def resolve_steps(obj):
        return [[rate_str(t), amount_str(s)] for t, s in (obj.steps or [])]


class IndicatorIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=60)
    kind: KindName
    weight: Decimal = Field(..., description="Percent above 0 and at most 100, 2 places at most")
    goal_type_id: int | None = Field(None, ge=1, le=MAX_ID)
    goal_id: int | None = Field(None, ge=1, le=MAX_ID)
    measure_id: int | None = Field(None, ge=1, le=MAX_ID)
    rule: RuleName = "linear"
    floor: Decimal | None = Field(None, description="Fraction (0.6 is 60%)")
    cap: Decimal | None = Field(
        None, description="Fraction; a new quantitative linear indicator without one gets 1.20 (120%)"
    )
    steps: list[Step] = Field(default_factory=list, max_length=20)
    rubric: dict[RubricKey, str] = Field(default_factory=dict)
    sort_order: int | None = Field(None, ge=-100000, le=100000)


class IndicatorPatch(InputSchema):
    version: int = Field(..., **VERSION)
    name: str | None = Field(None, min_length=1, max_length=60)
    kind: KindName | None = None
    weight: Decimal | None = None
    goal_type_id: int | None = Field(None, ge=1, le=MAX_ID)
    goal_id: int | None = Field(None, ge=1, le=MAX_ID)
    measure_id: int | None = Field(None, ge=1, le=MAX_ID)
    rule: RuleName | None = None
    floor: Decimal | None = None
    cap: Decimal | None = None
    steps: list[Step] | None = Field(None, max_length=20)
    rubric: dict[RubricKey, str] | None = None
    sort_order: int | None = Field(None, ge=-100000, le=100000)


class IndicatorRowIn(IndicatorIn):
    id: int | None = Field(None, ge=1, le=MAX_ID, description="An existing indicator to keep (and update)")
    version: int | None = Field(None, **VERSION)


class IndicatorsReplaceIn(InputSchema):
    version: int | None = Field(None, description="The template's version", **VERSION)
    indicators: list[IndicatorRowIn] = Field(..., max_length=50)


# --- performance-pay bases ---


class PayBaseFilter(PageFilter):
    person_id: int | None = Field(None, ge=1, le=MAX_ID)
    department_id: int | None = Field(None, ge=1, le=MAX_ID)


class PayBaseOut(Schema):
    person_id: int
    display_name: str
    department_id: int | None
    amount: str = Field(description='Performance-pay base in 元 ("10000.00")')
    version: int
    updated_at: dt.datetime

    @staticmethod
    def resolve_display_name(obj):
        return obj.person.display_name

    @staticmethod
    def resolve_department_id(obj):
        return obj.person.department_id

    @staticmethod
    def resolve_amount(obj):
        return amount_str(obj.amount)


class PayBasePage(Schema):
    items: list[PayBaseOut]
    count: int
    page: int
    page_size: int


class PayBaseIn(InputSchema):
    amount: Decimal = Field(..., description="元, 2 places at most")
    version: int | None = Field(None, description="The current version when changing one", **VERSION)


# --- competencies ---


class CompetencyFilter(PageFilter):
    group: GroupName | None = None
    is_active: bool | None = None


class CompetencyOut(Schema):
    id: int
    name: str
    group: str
    sort_order: int
    is_active: bool


class CompetencyPage(Schema):
    items: list[CompetencyOut]
    count: int
    page: int
    page_size: int


class CompetencyIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=40)
    group: GroupName
    sort_order: int = Field(0, ge=-100000, le=100000)


class CompetencyPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=40)
    group: GroupName | None = None
    sort_order: int | None = Field(None, ge=-100000, le=100000)
    is_active: bool | None = None


# --- appeals committee ---


class CommitteeMemberOut(Schema):
    id: int
    person_id: int
    display_name: str
    area: str
    created_at: dt.datetime

    @staticmethod
    def resolve_display_name(obj):
        return obj.person.display_name


class CommitteeMemberIn(InputSchema):
    person_id: int = Field(..., ge=1, le=MAX_ID)
    area: AreaName
