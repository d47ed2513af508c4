"""API schemas of the person-facing side of appraisal (API.md: /appraisals, /appraisals/{id}/reviews,
/appraisals/{id}/score, evidence and competency ratings). Decimals travel as strings; pay (`pay_base`,
`bonus_amount`) is left out of the answer for everyone but HR partners and admins."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from lodestar.core.schemas import MAX_ID, FilterSchema, InputSchema


class AppraisalFilter(FilterSchema):
    cycle_id: int | None = Field(None, ge=1, le=MAX_ID)
    person_id: int | None = Field(None, ge=1, le=MAX_ID)
    department_id: int | None = Field(None, ge=1, le=MAX_ID)
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


class AppraisalOut(Schema):
    id: int
    cycle_id: int
    cycle_name: str
    stage: str = Field(description="The cycle's current stage")
    person_id: int
    person_name: str
    department_id: int
    position_id: int
    template_id: int
    manager_id: int | None
    final_score: str | None = Field(None, description="2 decimals; shown to the person once published")
    grade: str | None = None
    calibrated_grade: str | None = None
    bonus_coefficient: str | None = None
    pay_base: str | None = Field(None, description="HR partners and admins only (omitted otherwise)")
    bonus_amount: str | None = Field(None, description="HR partners and admins only (omitted otherwise)")
    scored_at: dt.datetime | None = None
    version: int


class AppraisalPage(Schema):
    items: list[AppraisalOut]
    count: int
    page: int
    page_size: int


class ComponentOut(Schema):
    indicator_id: int
    name: str
    kind: str
    weight: str
    achievement: str | None
    score: str | None
    source: dict


class ScoreOut(Schema):
    appraisal_id: int
    components: list[ComponentOut]
    final_score: str | None = Field(None, description="2 decimals")
    grade: str | None = None
    calibrated_grade: str | None = None
    bonus_coefficient: str | None = None
    bonus_amount: str | None = Field(None, description="HR partners and admins only (omitted otherwise)")
    missing: list[dict]
    scored_at: dt.datetime | None = None


class RatingOut(Schema):
    indicator_id: int
    rating: int
    comment: str


class ReviewOut(Schema):
    id: int
    appraisal_id: int
    reviewer_id: int | None = Field(description="null: an anonymous peer, hidden from the person appraised")
    reviewer_name: str | None
    role: str
    status: str
    anonymous: bool
    summary: str
    submitted_at: dt.datetime | None
    ratings: list[RatingOut]
    version: int


class RatingIn(InputSchema):
    indicator_id: int = Field(..., ge=1, le=MAX_ID)
    rating: int = Field(..., description="1–5")
    comment: str = Field("", max_length=2000)


class ReviewPatch(InputSchema):
    version: int = Field(..., ge=1, le=2**31 - 1)
    ratings: list[RatingIn] | None = None
    summary: str | None = Field(None, max_length=4000)
    anonymous: bool | None = Field(None, description="Cross-department reviews only")
    submit: bool = Field(False, description="Make the review final (every qualitative indicator rated)")


class PeerIn(InputSchema):
    reviewer_id: int = Field(..., ge=1, le=MAX_ID)
    role: Literal["peer"] = "peer"


class EvidenceIn(InputSchema):
    kind: Literal["link", "goal", "item", "checkin", "case"]
    url: str = Field("", max_length=500)
    goal_id: int | None = Field(None, ge=1, le=MAX_ID)
    item_id: int | None = Field(None, ge=1, le=MAX_ID)
    checkin_id: int | None = Field(None, ge=1, le=MAX_ID)
    case_id: int | None = Field(None, ge=1, le=MAX_ID)
    note: str = Field("", max_length=300)


class EvidenceOut(Schema):
    id: int
    appraisal_id: int
    kind: str
    name: str
    note: str
    url: str
    size: int
    content_type: str
    goal_id: int | None
    item_id: int | None
    checkin_id: int | None
    case_id: int | None
    added_by_id: int
    download_url: str | None = Field(None, description="Files: where to download it (signed-in page)")
    created_at: dt.datetime

    @staticmethod
    def resolve_download_url(obj):
        if obj.kind != "file":
            return None
        from django.urls import reverse

        return reverse("appraisal:evidence_download", args=[obj.pk])


class CompetencyRatingOut(Schema):
    competency_id: int
    name: str
    group: str
    rating: int | None


class CompetencyRatingIn(InputSchema):
    competency_id: int = Field(..., ge=1, le=MAX_ID)
    rating: int = Field(..., description="1–5")


class CompetencyRatingsIn(InputSchema):
    ratings: list[CompetencyRatingIn]
