"""API schemas for goal templates, copying goals to another period, and goal types."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from lodestar.core.numbers import amount_str
from lodestar.core.schemas import FilterSchema, InputSchema
from lodestar.goals.schemas.common import IdItem, id_field, optional_id

# --- templates and copy ------------------------------------------------------------------


class TemplateMeasureOut(Schema):
    name: str
    unit: str
    unit_label: str = ""
    direction: str
    baseline: str | None = None
    target: str | None = None
    challenge: str | None = None
    range_max: str | None = None


class TemplateItemOut(Schema):
    kind: str
    name: str
    description: str = ""
    goal_type_id: int | None = None
    weight: str | None = None
    visibility: str
    measures: list[TemplateMeasureOut] = []


class TemplateOut(Schema):
    id: int
    name: str
    description: str
    department_id: int | None
    created_by_id: int
    items: list[TemplateItemOut]
    created_at: dt.datetime

    @staticmethod
    def resolve_items(obj):
        items = []
        for item in obj.items:
            measures = [
                {
                    **measure,
                    **{
                        f: amount_str(measure.get(f))
                        for f in ("baseline", "target", "challenge", "range_max")
                    },
                }
                for measure in item.get("measures", [])
            ]
            items.append({**item, "weight": amount_str(item.get("weight")), "measures": measures})
        return items


class TemplatePage(Schema):
    items: list[TemplateOut]
    count: int
    page: int
    page_size: int


class TemplateIn(InputSchema):
    name: str = Field(..., max_length=100)
    description: str = Field("", max_length=4000)
    department_id: int | None = optional_id()
    goal_ids: list[IdItem] = Field(..., max_length=50)


class AssignmentIn(InputSchema):
    owner_id: int | None = optional_id()
    department_id: int | None = optional_id(description="Defaults to the owner's department")
    targets: dict[str, Decimal] = Field(
        {}, description='Targets by "<goal index>.<measure index>" of the template, e.g. {"0.0": "123"}'
    )


class TemplateApplyIn(InputSchema):
    period_id: int = id_field()
    parent_id: int | None = optional_id()
    assignments: list[AssignmentIn] = Field(..., max_length=200)


class GoalCopyIn(InputSchema):
    department_id: int = id_field()
    source_period_id: int = id_field()
    target_period_id: int = id_field()


class GoalTypeOut(Schema):
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


class GoalTypePage(Schema):
    items: list[GoalTypeOut]
    count: int
    page: int
    page_size: int


class GoalTypeFilter(FilterSchema):
    is_active: bool | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(100, ge=1, le=500)
