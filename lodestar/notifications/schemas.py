"""API schemas for webhook endpoints, their deliveries and the caller's notification preferences."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from lodestar.core.schemas import MAX_ID, InputSchema, LocalTime, PageIn

Event = Literal[
    "goal.created",
    "goal.changed",
    "checkin.recorded",
    "alert.raised",
    "retrospective.completed",
    "appraisal.published",
]
EVENTS_HELP = (
    "Events this endpoint subscribes to (payloads: docs/api.md, Webhooks). A generic endpoint gets their "
    "signed envelopes instead of alert messages; a chat robot keeps its alert messages and posts a short "
    "text per event about records its whole group may see — `alert.raised` is refused for a robot (422, "
    "field `events`). Empty: alert messages only."
)


class EndpointIn(InputSchema):
    name: str = Field(..., max_length=80)
    kind: Literal["feishu", "dingtalk", "wecom", "slack", "generic"]
    url: str = Field(..., max_length=500)
    secret: str = Field("", max_length=200, description="Write-only: never returned")
    department_id: int | None = Field(None, ge=1, le=MAX_ID)
    is_active: bool = True
    events: list[Event] = Field(default_factory=list, max_length=6, description=EVENTS_HELP)


class EndpointPatch(InputSchema):
    name: str | None = Field(None, max_length=80)
    kind: Literal["feishu", "dingtalk", "wecom", "slack", "generic"] | None = None
    url: str | None = Field(None, max_length=500)
    secret: str | None = Field(None, max_length=200, description="Write-only; an empty string removes it")
    department_id: int | None = Field(None, ge=1, le=MAX_ID)
    is_active: bool | None = None
    events: list[Event] | None = Field(None, max_length=6, description=EVENTS_HELP)
    version: int | None = Field(
        None, ge=1, description="The version you loaded; a stale one gets 409 `version_conflict`"
    )


class EndpointOut(Schema):
    id: int
    name: str
    kind: str
    url: str
    has_secret: bool
    department_id: int | None
    is_active: bool
    events: list[str]
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
    event: str = Field(description="The event's name (`ping` for a test); empty for an alert message")
    title: str
    status: Literal["pending", "sent", "failed"]
    attempts: int
    response_code: int | None
    last_error: str
    next_attempt_at: dt.datetime | None = Field(description="When a pending delivery is tried again")
    sent_at: dt.datetime | None
    created_at: dt.datetime
    resent_from_id: int | None = Field(
        description="A resend: the message's first delivery (`POST /webhook-deliveries/{id}/resend`); null otherwise"
    )


class DeliveryFilter(PageIn):
    endpoint_id: int | None = Field(None, ge=1, le=MAX_ID)
    event: Literal[Event, "ping"] | None = None  # type: ignore[valid-type]
    status: Literal["pending", "sent", "failed"] | None = None
    channel: Literal["inbox", "email", "webhook"] | None = None


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    count: int
    page: int
    page_size: int


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
