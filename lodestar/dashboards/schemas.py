"""Schemas of the dashboards API: a dashboard is its scope, its period and its panels, each panel the
figures its chart and table show (decimals as strings, rates as 4-place fraction strings)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from lodestar.core.schemas import MAX_ID

Cell = str | int | None


class DashboardIn(Schema):
    period_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The period (year, quarter, month…); default: the current quarter"
    )


class ColumnOut(Schema):
    key: str = Field(description="The row field this column shows")
    label: str
    kind: str = Field(
        description="text, int, rate (4-place fraction string), amount (decimal string), date, health"
    )
    link: str = Field(
        description="What the row's `<link>_id` opens: goal, department, person, alert, item, measure, or empty"
    )


class PanelOut(Schema):
    key: str = Field(description="achievement, plan, heatmap, alerts, overdue, checkins")
    title: str
    note: str
    truncated: bool = Field(description="True when only the first rows are returned (the chart's limit)")
    columns: list[ColumnOut]
    rows: list[dict[str, Cell]]
    item_columns: list[ColumnOut]
    items: list[dict[str, Cell]] = Field(
        description="A short list under the figures (newest alerts, most overdue items)"
    )
    item_total: int = Field(description="How many records the list is taken from")


class PeriodRef(Schema):
    id: int
    kind: str
    name: str
    start: dt.date
    end: dt.date


class DashboardOut(Schema):
    kind: str = Field(description="company, department or person")
    department_id: int | None = None
    person_id: int | None = None
    period: PeriodRef | None = Field(description="Null when no fiscal period exists yet")
    as_of: dt.date
    panels: list[PanelOut]
