"""API schemas for goals: read, list, filter, create, patch, status and sibling weights.

Numbers go out as decimal strings (lodestar.core.numbers): amounts with at least two places,
rates and progress with exactly four. Derived figures are read-only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext
from ninja import Field, Schema

from lodestar.core.numbers import amount_str, rate_str
from lodestar.core.schemas import FilterSchema, InputSchema
from lodestar.goals.models import GoalKind, GoalStatus, HealthChoice, Visibility
from lodestar.goals.schemas.common import ORDERING_FIELDS, IdItem, id_field, optional_id
from lodestar.goals.schemas.measures import MeasureIn, MeasureOut
from lodestar.goals.smart import check_goal

# --- goals -------------------------------------------------------------------------------


class SmartWarningOut(Schema):
    code: str
    message: str
    suggestion: str


class GoalOut(Schema):
    id: int
    kind: str
    name: str
    description: str
    goal_type_id: int | None
    goal_type: str | None = Field(None, description="The goal type's code, e.g. `sales`")
    owner_id: int | None
    department_id: int
    period_id: int
    parent_id: int | None
    weight: str | None = Field(None, description='Percent among its siblings with 2 places ("60.00")')
    status: str
    visibility: str
    version: int
    collaborating_department_ids: list[int] = []
    notes: str
    context: str
    sort_order: int
    depth: int
    achievement_rate: str | None = Field(
        None,
        description="Read-only fraction with 4 places: the weighted mean of the measures' (or children's) "
        "achievement, each capped at the roll-up cap (100% by default)",
    )
    achievement_rate_uncapped: str | None = Field(
        None, description="Read-only: the same weighted mean without the cap (e.g. 1.0050 beside 0.9800)"
    )
    progress: str | None = Field(None, description="Read-only fraction with 4 places")
    health: HealthChoice = Field(
        ...,
        description="Read-only: pace against the plan to date (on_track, at_risk, off_track, not_started) "
        "while the period runs; achieved or missed once it has ended or been closed",
    )
    smart_warnings: list[SmartWarningOut] = Field([], description="Read-only SMART check (warnings only)")
    child_count: int
    measures: list[MeasureOut] = []
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_goal_type(obj):
        return obj.goal_type.code if obj.goal_type_id else None

    @staticmethod
    def resolve_weight(obj):
        return amount_str(obj.weight)

    @staticmethod
    def resolve_collaborating_department_ids(obj):
        listed = getattr(obj, "collaborating", None)  # prefetched as a list by selectors.goal_list
        departments = listed if listed is not None else obj.collaborating_departments.all()
        return [department.pk for department in departments]

    @staticmethod
    def resolve_achievement_rate(obj):
        return rate_str(obj.achievement_rate)

    @staticmethod
    def resolve_achievement_rate_uncapped(obj):
        return rate_str(obj.achievement_rate_uncapped)

    @staticmethod
    def resolve_progress(obj):
        return rate_str(obj.progress)

    @staticmethod
    def resolve_measures(obj):
        return list(obj.measures.all())

    @staticmethod
    def resolve_smart_warnings(obj):
        # Only prefetched data: the measures, the period (select_related) and owner_id.
        warnings = check_goal(
            name=obj.name,
            description=obj.description,
            has_measures=bool(obj.measures.all()),
            has_owner=obj.owner_id is not None,
            period_start=obj.period.start,
            period_end=obj.period.end,
            gettext=gettext,
        )
        return [{"code": w.code, "message": w.message, "suggestion": w.suggestion} for w in warnings]


class GoalPage(Schema):
    items: list[GoalOut]
    count: int
    page: int
    page_size: int


class GoalsOut(Schema):
    goals: list[GoalOut]


class GoalFilterIn(FilterSchema):
    department_id: int | None = optional_id(description="This department and its sub-departments")
    subdepartments: bool = Field(
        True, description="With `department_id`: false gives the department's own goals only"
    )
    period_id: int | None = optional_id()
    owner_id: int | None = optional_id()
    parent_id: int | None = optional_id()
    root: bool | None = Field(None, description="Only top-level goals (true) or only sub-goals (false)")
    kind: GoalKind | None = None
    status: GoalStatus | None = None
    health: HealthChoice | None = None
    visibility: Visibility | None = None
    goal_type_id: int | None = optional_id()
    q: str | None = Field(None, max_length=100, description="Search the name and description")
    ordering: str | None = Field(
        None,
        pattern=rf"^-?({ORDERING_FIELDS})(,-?({ORDERING_FIELDS}))*$",
        description="Sort fields, `-` for descending, e.g. `-updated_at`",
    )
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


class GoalIn(InputSchema):
    kind: GoalKind = GoalKind.KPI
    name: str = Field(..., max_length=200)
    description: str = Field("", max_length=10000, description="The SMART description")
    goal_type_id: int | None = optional_id()
    owner_id: int | None = optional_id(description="Defaults to the caller")
    department_id: int = id_field()
    period_id: int = id_field()
    parent_id: int | None = optional_id(description="The goal this one aligns to")
    weight: Decimal | None = Field(None, description="Percent among its siblings")
    notes: str = Field("", max_length=10000)
    context: str = Field("", max_length=10000)
    visibility: Visibility = Visibility.PUBLIC
    sort_order: int = Field(0, ge=-100000, le=100000)
    collaborating_department_ids: list[IdItem] = Field([], max_length=100)
    measures: list[MeasureIn] = Field([], max_length=20)


class GoalPatch(InputSchema):
    version: int = Field(..., ge=1)
    kind: GoalKind | None = None
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=10000)
    goal_type_id: int | None = optional_id()
    owner_id: int | None = optional_id()
    department_id: int | None = optional_id()
    period_id: int | None = optional_id()
    parent_id: int | None = optional_id()
    weight: Decimal | None = None
    notes: str | None = Field(None, max_length=10000)
    context: str | None = Field(None, max_length=10000)
    visibility: Visibility | None = None
    sort_order: int | None = Field(None, ge=-100000, le=100000)
    collaborating_department_ids: list[IdItem] | None = Field(None, max_length=100)


class GoalStatusIn(InputSchema):
    status: GoalStatus = Field(..., description="closed, cancelled, or active to reopen a closed goal")
    version: int = Field(..., ge=1)


class WeightIn(InputSchema):
    goal_id: int = id_field()
    weight: Decimal | None = None
    version: int | None = Field(
        None, ge=1, description="The goal's version you read; a stale one gets 409 `version_conflict`"
    )


class WeightsIn(InputSchema):
    weights: list[WeightIn] = Field(..., min_length=1, max_length=200)
