"""Schemas of the dashboards API: a dashboard is its scope, its period and its panels, each panel the
figures its chart and table show (decimals as strings, rates as 4-place fraction strings)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Discriminator, Field, Tag

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
    # A closed list: the budget and verification panels have their own schemas, and `oneOf` needs each
    # panel to match exactly one of them (schemathesis found a budget panel valid as this one too).
    key: Literal["achievement", "plan", "heatmap", "alerts", "overdue", "checkins"]
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


# --- the budget and verification panels, with their exact rows ---------------------------------

Money = Annotated[str, Field(description='Money as a decimal string ("9000.00")')]
Rate = Annotated[
    str | None, Field(description='A fraction as a 4-place decimal string ("0.7500"), null when undefined')
]
Quantity = Annotated[str | None, Field(description="A quantity in the measure's unit, decimal string")]


class BudgetMonthOut(Schema):
    month: dt.date = Field(description="The month's first day")
    month_label: str = Field(description="2026-10")
    planned: Money = Field(description="The lines' planned parts for the month (their monthly split)")
    spent: Money = Field(description="Spend dated in the month")
    cumulative_planned: Money = Field(description="Planned from the period's start to this month")
    cumulative_spent: Money = Field(description="Spent from the period's start to this month")
    remaining: Money = Field(description="cumulative_planned − cumulative_spent (negative when overspent)")
    spent_share: Rate = Field(description="cumulative_spent ÷ cumulative_planned")


class ChannelRoiRowOut(Schema):
    rank: int | None = Field(description="1 = best ROI; null without spend (no ROI)")
    channel: str
    channel_id: int
    planned: Money = Field(description="The channel's planned amount in the period's months")
    share: Rate = Field(description="Its share of the channels' planned total")
    spent: Money
    attributed_revenue: Money
    leads: int
    roi: Rate = Field(description='attributed_revenue ÷ spent, 4 places ("3.2000"); null without spend')
    cost_per_lead: str | None = Field(description="spent ÷ leads to the cent; null without leads")
    recommendation: Literal["cut", "increase", "keep", "test", "no_spend"] = Field(
        description="The seeds' advice (DOMAIN.md §6): cut when ROI < 1"
    )
    recommendation_label: str
    flagged: bool = Field(description="True when ROI < 1: flagged for cutting")


class VerificationWeekOut(Schema):
    week: dt.date = Field(description="The week's Monday")
    week_label: str
    pairs: int = Field(description="Reported figures with a source figure for the same period")
    reported: Quantity = Field(description="Their reported total; null without a pair")
    source: Quantity = Field(description="The source's total for the same periods; null without a pair")
    difference_rate: Rate = Field(description="(reported − source) ÷ |source| of the totals")
    flagged: int = Field(description="Pairs beyond their metric's tolerance")
    open_discrepancies: int = Field(description="Open discrepancies whose period starts in the week")


class DiscrepancyItemOut(Schema):
    discrepancy_id: int = Field(description="Its page: /data/verification/{discrepancy_id}/")
    measure: str
    goal_id: int
    goal: str
    metric: str = Field(description="The source and its metric")
    period_start: dt.date
    period_end: dt.date
    reported: str
    source: str
    difference_rate: Rate


class _PanelBase(Schema):
    title: str
    note: str
    truncated: bool
    columns: list[ColumnOut]
    item_columns: list[ColumnOut]
    item_total: int = Field(description="How many records the list is taken from")


class BudgetPanelOut(_PanelBase):
    """Budget vs spend per month of the period (shown only to readers who may see budgets)."""

    key: Literal["budget"]
    rows: list[BudgetMonthOut]
    items: list[dict[str, Cell]] = Field(description="Empty")


class ChannelRoiPanelOut(_PanelBase):
    """The channels ranked by ROI (shown only to readers who may see budgets)."""

    key: Literal["channel_roi"]
    rows: list[ChannelRoiRowOut]
    items: list[dict[str, Cell]] = Field(description="Empty")


class VerificationPanelOut(_PanelBase):
    """Reported vs source figures per week, and the newest open discrepancies."""

    key: Literal["verification"]
    rows: list[VerificationWeekOut]
    items: list[DiscrepancyItemOut] = Field(description="The newest open discrepancies")


def _panel_tag(value) -> str:
    key = value.get("key") if isinstance(value, dict) else getattr(value, "key", None)
    return key if key in ("budget", "channel_roi", "verification") else "other"


AnyPanelOut = Annotated[
    Annotated[BudgetPanelOut, Tag("budget")]
    | Annotated[ChannelRoiPanelOut, Tag("channel_roi")]
    | Annotated[VerificationPanelOut, Tag("verification")]
    | Annotated[PanelOut, Tag("other")],
    Discriminator(_panel_tag),
]


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
    panels: list[AnyPanelOut] = Field(
        description="In page order; budget, channel_roi and verification have exact rows, the others rows of cells"
    )
