"""API schemas for alert rules and alerts."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from lodestar.core.numbers import rate_str
from lodestar.core.schemas import MAX_ID, InputSchema, PageIn

Recipient = Literal["owner", "responsible", "accountable", "manager"]
Channel = Literal["inbox", "email", "webhook"]
Scope = Literal["company", "department", "goal"]
Condition = Literal[
    "achievement_below",
    "pace_below",
    "forecast_below_target",
    "no_checkin",
    "item_overdue",
    "item_blocked",
    "deviation_streak",
    "data_discrepancy",
    "retrospective_overdue",
]


class AlertRuleOut(Schema):
    id: int
    name: str
    scope: str
    department_id: int | None
    goal_id: int | None
    condition: str
    threshold: str | None = Field(None, description="A fraction as a decimal string: 0.8 is 80%")
    against_full_target: bool = Field(
        description="achievement_below only: compare with the full target instead of the plan to date"
    )
    goal_type_id: int | None = Field(description="Only goals of this type")
    measure_name: str = Field(description="Only measures of this name (e.g. 销售额); empty for all")
    days: int | None
    recipients: list[str]
    escalate_after_days: int | None
    channels: list[str]
    is_active: bool
    created_by_id: int | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_threshold(obj):
        return rate_str(obj.threshold)


class AlertRuleIn(InputSchema):
    name: str = Field(..., max_length=100)
    scope: Scope = "company"
    department_id: int | None = Field(None, ge=1, le=MAX_ID)
    goal_id: int | None = Field(None, ge=1, le=MAX_ID)
    condition: Condition
    threshold: str | None = Field(None, max_length=20, description="A fraction: 0.8 is 80%")
    against_full_target: bool = Field(
        False,
        description="achievement_below only: compare the actual with the full target instead of the "
        "plan to date (the measure's time-phased plan, or a straight line from the period start)",
    )
    goal_type_id: int | None = Field(None, ge=1, le=MAX_ID, description="Only goals of this type")
    measure_name: str = Field("", max_length=100, description="Only measures of this name (e.g. 销售额)")
    days: int | None = Field(None, ge=0, le=3650)
    recipients: list[Recipient] = Field(..., min_length=1)
    escalate_after_days: int | None = Field(None, ge=1, le=3650)
    channels: list[Channel] = Field(default_factory=lambda: ["inbox"], min_length=1)
    is_active: bool = True


class AlertRulePatch(InputSchema):
    name: str | None = Field(None, max_length=100)
    scope: Scope | None = None
    department_id: int | None = Field(None, ge=1, le=MAX_ID)
    goal_id: int | None = Field(None, ge=1, le=MAX_ID)
    condition: Condition | None = None
    threshold: str | None = Field(None, max_length=20)
    against_full_target: bool | None = None
    goal_type_id: int | None = Field(None, ge=1, le=MAX_ID)
    measure_name: str | None = Field(None, max_length=100)
    days: int | None = Field(None, ge=0, le=3650)
    recipients: list[Recipient] | None = None
    escalate_after_days: int | None = Field(None, ge=1, le=3650)
    channels: list[Channel] | None = None
    is_active: bool | None = None
    version: int | None = Field(
        None, ge=1, description="The version you loaded; a stale one gets 409 `version_conflict`"
    )


class AlertRulePage(Schema):
    items: list[AlertRuleOut]
    count: int
    page: int
    page_size: int


class AlertFilter(PageIn):
    status: Literal["open", "acknowledged", "resolved", "unresolved"] | None = None
    goal_id: int | None = Field(None, ge=1, le=MAX_ID)
    mine: bool | None = Field(None, description="Only alerts sent to the caller")


class AlertOut(Schema):
    id: int
    rule_id: int
    subject: str = Field(description="In the request's language")
    detail: str = Field(description="In the request's language")
    status: str
    resolution_note: str = Field(
        description="Why the alert resolved itself (its condition no longer held); empty when a person resolved it"
    )
    goal_id: int | None
    measure_id: int | None
    item_id: int | None
    retrospective_id: int | None
    recipient_ids: list[int]
    escalation_level: int
    acknowledged_at: dt.datetime | None
    acknowledged_by_id: int | None
    resolved_at: dt.datetime | None
    resolved_by_id: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_subject(obj):
        return obj.local_subject

    @staticmethod
    def resolve_detail(obj):
        return obj.local_detail

    @staticmethod
    def resolve_resolution_note(obj):
        return obj.local_resolution_note

    @staticmethod
    def resolve_recipient_ids(obj):
        return sorted(p.pk for p in obj.recipients.all())


class AlertPage(Schema):
    items: list[AlertOut]
    count: int
    page: int
    page_size: int


class ResolveIn(InputSchema):
    comment: str = Field("", max_length=4000)


class AlertCommentIn(InputSchema):
    body: str = Field(..., max_length=4000)


class AlertCommentOut(Schema):
    id: int
    alert_id: int
    author_id: int
    body: str
    created_at: dt.datetime
