"""API schemas of the knowledge library: /cases, /sops, /sops/{id}/versions (API.md)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from lodestar.core.schemas import MAX_ID, InputSchema, PageIn
from lodestar.knowledge import domain
from lodestar.knowledge.domain import visible_figures

Outcome = Literal["success", "failure"]


class CaseFilter(PageIn):
    q: str = Field(
        "",
        max_length=200,
        description="Search words: every word must match the title, "
        "context, body, reasons or a tag (split on spaces and Chinese punctuation)",
    )
    tag: str = Field("", max_length=40, description="Only cases with this tag (exact name)")
    outcome: Outcome | None = None
    department_id: int | None = Field(None, ge=1, le=MAX_ID, description="This department and below")
    goal_id: int | None = Field(None, ge=1, le=MAX_ID, description="Cases linked to this goal")


class TagOut(Schema):
    name: str
    kind: str


class FigureOut(Schema):
    goal_id: int
    goal: str
    measure: str
    unit: str
    period: str
    kind: str = Field(description="`close` or `weekly`: the snapshot the figures come from")
    taken_at: str
    target: str
    original_target: str
    actual: str
    achievement_rate: str
    original_achievement_rate: str
    goal_achievement_rate: str


class CaseOut(Schema):
    id: int
    title: str
    outcome: str
    context: str
    body: str
    reasons: str
    tags: list[str]
    tag_details: list[TagOut]
    goal_ids: list[int]
    retrospective_id: int | None
    department_id: int
    period_id: int | None
    figures: list[FigureOut] = Field(description="Read-only: from the goals' latest snapshots")
    author_id: int
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_tags(obj):
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_tag_details(obj):
        return [{"name": t.name, "kind": t.kind} for t in obj.tags.all()]

    @staticmethod
    def resolve_goal_ids(obj):
        return sorted(g.pk for g in obj.goals.all())

    @staticmethod
    def resolve_figures(obj):
        # `goals` holds only the reader's visible goals (knowledge.api `_cases`): no figure of another.
        return visible_figures(obj.figures, {g.pk for g in obj.goals.all()})


class CasePage(Schema):
    items: list[CaseOut]
    count: int
    page: int
    page_size: int


class CaseIn(InputSchema):
    title: str = Field(min_length=1, max_length=200)
    outcome: Outcome
    context: str = Field("", max_length=20000)
    body: str = Field("", max_length=50000, description="What was done")
    reasons: str = Field("", max_length=20000, description="Why it worked or failed")
    tags: list[str] = Field([], max_length=20, description="Tag names; new names become scenario tags")
    goal_ids: list[int] = Field([], max_length=20)
    retrospective_id: int | None = Field(None, ge=1, le=MAX_ID)
    department_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Default: the retrospective's, else your department"
    )
    period_id: int | None = Field(None, ge=1, le=MAX_ID)


class CasePatch(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    outcome: Outcome | None = None
    context: str | None = Field(None, max_length=20000)
    body: str | None = Field(None, max_length=50000)
    reasons: str | None = Field(None, max_length=20000)
    tags: list[str] | None = Field(None, max_length=20)
    goal_ids: list[int] | None = Field(None, max_length=20)
    retrospective_id: int | None = Field(None, ge=1, le=MAX_ID)
    department_id: int | None = Field(None, ge=1, le=MAX_ID)
    period_id: int | None = Field(None, ge=1, le=MAX_ID)
    version: int = Field(ge=1, le=2**31 - 1, description="The version you read (409 when stale)")


class SopOut(Schema):
    id: int
    title: str
    owner_id: int
    department_id: int
    review_date: dt.date
    review_due: bool = Field(description="The review date has come")
    case_ids: list[int]
    latest_version: int | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_case_ids(obj):
        return sorted(c.pk for c in obj.cases.all())

    @staticmethod
    def resolve_latest_version(obj):
        numbers = [v.number for v in obj.versions.all()]
        return max(numbers) if numbers else None

    @staticmethod
    def resolve_review_due(obj):
        from django.utils import timezone

        return obj.review_date <= timezone.localdate()


class SopPage(Schema):
    items: list[SopOut]
    count: int
    page: int
    page_size: int


class SopFilter(PageIn):
    q: str = Field("", max_length=200, description="Words of the title")
    department_id: int | None = Field(None, ge=1, le=MAX_ID)
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)


class SopIn(InputSchema):
    title: str = Field(min_length=1, max_length=200)
    owner_id: int | None = Field(None, ge=1, le=MAX_ID, description="Default: you")
    department_id: int = Field(ge=1, le=MAX_ID)
    review_date: dt.date
    body_markdown: str = Field(min_length=1, max_length=200000, description="Version 1's text")
    change_note: str = Field("", max_length=300)
    case_ids: list[int] = Field([], max_length=50)


class SopPatch(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)
    department_id: int | None = Field(None, ge=1, le=MAX_ID)
    review_date: dt.date | None = None
    case_ids: list[int] | None = Field(None, max_length=50)
    version: int = Field(ge=1, le=2**31 - 1, description="The version you read (409 when stale)")


class SopVersionOut(Schema):
    number: int
    body_markdown: str
    body_html: str = Field(description="Read-only: the Markdown rendered and sanitised")
    change_note: str
    author_id: int
    created_at: dt.datetime

    @staticmethod
    def resolve_body_html(obj):
        return domain.render_markdown(obj.body_markdown)


class SopVersionPage(Schema):
    items: list[SopVersionOut]
    count: int
    page: int
    page_size: int


class SopVersionIn(InputSchema):
    body_markdown: str = Field(min_length=1, max_length=200000)
    change_note: str = Field("", max_length=300)
