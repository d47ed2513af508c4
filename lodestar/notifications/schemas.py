"""API schemas for webhook endpoints, their deliveries and the caller's notification preferences."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from lodestar.core.schemas import MAX_ID, InputSchema, LocalTime


class EndpointIn(InputSchema):
    name: str = Field(..., max_length=80)
    kind: Literal["feishu", "dingtalk", "wecom", "slack", "generic"]
    url: str = Field(..., max_length=500)
    secret: str = Field("", max_length=200, description="Write-only: never returned")
    department_id: int | None = Field(None, ge=1, le=MAX_ID)
    is_active: bool = True


class EndpointOut(Schema):
    id: int
    name: str
    kind: str
    url: str
    has_secret: bool
    department_id: int | None
    is_active: bool
    version: int
    created_at: dt.datetime

    @staticmethod
    def resolve_has_secret(obj):
        return bool(obj.secret)


class EndpointPage(Schema):
    items: list[EndpointOut]
    count: int
    page: int
    page_size: int


class DeliveryOut(Schema):
    id: int
    channel: str
    endpoint_id: int | None
    status: str
    attempts: int
    response_code: int | None
    last_error: str
    sent_at: dt.datetime | None
    created_at: dt.datetime


class PreferenceIO(Schema):
    email_enabled: bool = True
    quiet_start: LocalTime | None = None
    quiet_end: LocalTime | None = None
    reminder_weekday: int = Field(5, ge=1, le=7, description="1 = Monday … 7 = Sunday")
    reminder_time: LocalTime = dt.time(16, 0)
    language: Literal["", "zh-hans", "en"] = Field(
        "", description="The language of your alerts and reminders; empty for the site's language"
    )


class PreferenceIn(InputSchema, PreferenceIO):
    """The preferences as sent: the same fields, nothing else."""
