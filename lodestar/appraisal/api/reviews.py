"""API: appraisals as their people and managers see them (API.md /appraisals, /appraisals/{id}/reviews,
/appraisals/{id}/score), the evidence pack and the competency ratings. Thin endpoints over `access`,
`selectors` and `services.reviews`: 404 for what the caller may not see (a peer reviewer reads only their
own review, never the appraisal), 403 for what they may see but not change, 409 for a stale version or a
submitted review, 422 with the field for a broken rule. Pay is left out for everyone but HR and admins."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router, Status, UploadedFile

from lodestar.appraisal import access, selectors
from lodestar.appraisal.models import Appraisal, Competency, Evidence, Review
from lodestar.appraisal.representation import appraisal_fields
from lodestar.appraisal.schemas.reviews import (
    AppraisalFilter,
    AppraisalOut,
    AppraisalPage,
    CompetencyRatingOut,
    CompetencyRatingsIn,
    EvidenceIn,
    EvidenceOut,
    PeerIn,
    ReviewOut,
    ReviewPatch,
    ScoreOut,
)
from lodestar.appraisal.services import reviews as services
from lodestar.core.errors import ApplicationError, NotFound
from lodestar.core.numbers import amount_str
from lodestar.core.schemas import LIST_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, page_of
from lodestar.execution.access import access_item
from lodestar.goals.access import access_goal
from lodestar.org.permissions import require_person
from lodestar.tracking.access import access_checkin

router = Router(tags=["appraisal"])

AppraisalId = Path(..., le=MAX_ID, description="The appraisal's id")
ReviewId = Path(..., le=MAX_ID, description="The review's id")
EvidenceId = Path(..., le=MAX_ID, description="The evidence's id")


def _decimal(value) -> str | None:
    return None if value is None else f"{value:f}"


def appraisal_out(user, appraisal: Appraisal) -> dict:
    data = appraisal_fields(appraisal, shows_result=access.can_see_result(user, appraisal))
    if access.can_see_pay(user):
        data["pay_base"] = amount_str(appraisal.pay_base)
        data["bonus_amount"] = amount_str(appraisal.bonus_amount)
    return data


def review_out(user, review: Review) -> dict:
    shown = access.can_see_reviewer(user, review)
    return {
        "id": review.pk,
        "appraisal_id": review.appraisal_id,
        "reviewer_id": review.reviewer_id if shown else None,
        "reviewer_name": review.reviewer.display_name if shown else None,
        "role": review.role,
        "status": review.status,
        "anonymous": review.anonymous,
        "summary": review.summary,
        "submitted_at": review.submitted_at,
        "ratings": [
            {"indicator_id": r.indicator_id, "rating": r.rating, "comment": r.comment}
            for r in review.ratings.all()
        ],
        "version": review.version,
    }


def _review(user, appraisal_id: int, review_id: int) -> Review:
    """A review of this appraisal its reader may open: its reviewer, or who may read it (404 otherwise)."""
    review = access.access_review(user, review_id)
    person = require_person(user)
    own = person is not None and review.reviewer_id == person.pk
    if review.appraisal_id != appraisal_id or not (own or access.can_read_review(user, review)):
        raise NotFound(_("Review not found."), field="review_id")
    return review


def _evidence(appraisal: Appraisal, evidence_id: int) -> Evidence:
    evidence = Evidence.objects.filter(pk=evidence_id, appraisal=appraisal).first()
    if evidence is None:
        raise NotFound(_("Evidence not found."), field="evidence_id")
    evidence.appraisal = appraisal
    return evidence


@router.get(
    "/appraisals",
    response={200: AppraisalPage, **LIST_ERRORS},
    exclude_unset=True,
    summary="List the appraisals you may see",
)
def appraisal_list(request, filters: Query[AppraisalFilter]):
    require_person(request.user)
    qs = access.visible_appraisals(request.user).select_related(*selectors.APPRAISAL_RELATED)
    for name in ("cycle_id", "person_id", "department_id"):
        value = getattr(filters, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    items, count = page_of(
        qs.order_by("-cycle__period__start", "cycle_id", "department__path", "person__display_name", "id"),
        page=filters.page,
        page_size=filters.page_size,
    )
    return {
        "items": [appraisal_out(request.user, a) for a in items],
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
    }


@router.get(
    "/appraisals/{appraisal_id}",
    response={200: AppraisalOut, **READ_ERRORS},
    exclude_unset=True,
    summary="One appraisal",
)
def appraisal_detail(request, appraisal_id: int = AppraisalId):
    return appraisal_out(request.user, access.access_appraisal(request.user, appraisal_id))


@router.get(
    "/appraisals/{appraisal_id}/score",
    response={200: ScoreOut, **READ_ERRORS},
    exclude_unset=True,
    summary="The score: components as scored from the snapshot and the reviews, final, grade, bonus",
)
def appraisal_score(request, appraisal_id: int = AppraisalId):
    appraisal = access.access_appraisal(request.user, appraisal_id)
    shows_result = access.can_see_result(request.user, appraisal)
    data = {
        "appraisal_id": appraisal.pk,
        "components": [
            {
                "indicator_id": c["indicator_id"],
                "name": c["name"],
                "kind": c["kind"],
                "weight": c["weight"],
                "achievement": c.get("achievement"),
                "score": c.get("score"),
                "source": c.get("source") or {},
            }
            for c in appraisal.components or []
        ],
        "final_score": amount_str(appraisal.final_score) if shows_result else None,
        "grade": (appraisal.grade or None) if shows_result else None,
        "calibrated_grade": (appraisal.calibrated_grade or None) if shows_result else None,
        "bonus_coefficient": _decimal(appraisal.bonus_coefficient) if shows_result else None,
        "missing": appraisal.missing or [],
        "scored_at": appraisal.scored_at,
    }
    if access.can_see_pay(request.user):
        data["bonus_amount"] = amount_str(appraisal.bonus_amount)
    return data


# --- reviews ---


@router.get(
    "/appraisals/{appraisal_id}/reviews",
    response={200: list[ReviewOut], **READ_ERRORS},
    summary="The reviews you may read (an anonymous peer's name hidden from the person)",
)
def review_list(request, appraisal_id: int = AppraisalId):
    appraisal = access.access_appraisal(request.user, appraisal_id)
    return [
        review_out(request.user, row.review) for row in selectors.visible_reviews(request.user, appraisal)
    ]


@router.post(
    "/appraisals/{appraisal_id}/reviews",
    response={201: ReviewOut, **WRITE_ERRORS},
    summary="Request a cross-department reviewer (line managers and HR)",
)
def review_request(request, payload: PeerIn, appraisal_id: int = AppraisalId):
    appraisal = access.access_appraisal(request.user, appraisal_id)
    (review,) = services.peer_request(
        actor=request.user, appraisal=appraisal, reviewer_ids=[payload.reviewer_id]
    )
    return Status(201, review_out(request.user, review))


@router.get(
    "/appraisals/{appraisal_id}/reviews/{review_id}",
    response={200: ReviewOut, **READ_ERRORS},
    summary="One review (its reviewer may always read it)",
)
def review_detail(request, appraisal_id: int = AppraisalId, review_id: int = ReviewId):
    return review_out(request.user, _review(request.user, appraisal_id, review_id))


@router.patch(
    "/appraisals/{appraisal_id}/reviews/{review_id}",
    response={200: ReviewOut, **WRITE_ERRORS},
    summary="Write your review: ratings 1–5, comments; submit to make it final",
)
def review_update(request, payload: ReviewPatch, appraisal_id: int = AppraisalId, review_id: int = ReviewId):
    review = _review(request.user, appraisal_id, review_id)
    data = payload.dict(exclude_unset=True)
    review = services.review_save(
        actor=request.user,
        review=review,
        version=data["version"],
        ratings=data.get("ratings"),
        summary=data.get("summary"),
        anonymous=data.get("anonymous"),
        submit=bool(data.get("submit")),
    )
    return review_out(request.user, review)


@router.delete(
    "/appraisals/{appraisal_id}/reviews/{review_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Remove a pending cross-department review",
)
def review_delete(request, appraisal_id: int = AppraisalId, review_id: int = ReviewId):
    appraisal = access.access_appraisal(request.user, appraisal_id)
    review = Review.objects.filter(pk=review_id, appraisal=appraisal).first()
    if review is None:
        raise NotFound(_("Review not found."), field="review_id")
    review.appraisal = appraisal
    services.peer_remove(actor=request.user, review=review)
    return Status(204, None)


# --- evidence pack ---


@router.get(
    "/appraisals/{appraisal_id}/evidence",
    response={200: list[EvidenceOut], **READ_ERRORS},
    summary="The evidence pack",
)
def evidence_list(request, appraisal_id: int = AppraisalId):
    return selectors.evidence_of(access.access_appraisal(request.user, appraisal_id))


@router.post(
    "/appraisals/{appraisal_id}/evidence",
    response={201: EvidenceOut, **WRITE_ERRORS},
    summary="Add a link, goal, action item, check-in or case to the evidence pack (the person)",
)
def evidence_create(request, payload: EvidenceIn, appraisal_id: int = AppraisalId):
    appraisal = access.access_appraisal(request.user, appraisal_id)
    linked: dict = {}
    if payload.kind == "goal":
        if payload.goal_id is None:
            raise ApplicationError(_("Choose a goal."), field="goal_id", code="required")
        linked["goal"] = access_goal(request.user, payload.goal_id)
    elif payload.kind == "item":
        if payload.item_id is None:
            raise ApplicationError(_("Choose an action item."), field="item_id", code="required")
        linked["item"] = access_item(request.user, payload.item_id)
    elif payload.kind == "checkin":
        if payload.checkin_id is None:
            raise ApplicationError(_("Choose a check-in."), field="checkin_id", code="required")
        linked["checkin"] = access_checkin(request.user, payload.checkin_id)
    elif payload.kind == "case":
        case_model = Evidence._meta.get_field("case").related_model
        case = case_model.objects.filter(pk=payload.case_id).first() if payload.case_id else None
        if case is None:
            raise NotFound(_("Case not found."), field="case_id")
        linked["case"] = case
    evidence = services.evidence_add(
        actor=request.user,
        appraisal=appraisal,
        kind=payload.kind,
        url=payload.url,
        note=payload.note,
        **linked,
    )
    return Status(201, evidence)


@router.post(
    "/appraisals/{appraisal_id}/evidence/upload",
    response={201: EvidenceOut, **WRITE_ERRORS},
    summary="Upload a file to the evidence pack (multipart `file`, optional `note`; at most 10 MB)",
)
def evidence_upload(
    request, file: File[UploadedFile] = None, note: Form[str] = "", appraisal_id: int = AppraisalId
):
    # Optional in the document: an empty part arrives as no file, and the service answers 422 `required`.
    appraisal = access.access_appraisal(request.user, appraisal_id)
    evidence = services.evidence_add(
        actor=request.user, appraisal=appraisal, kind="file", upload=file, note=note
    )
    return Status(201, evidence)


@router.delete(
    "/appraisals/{appraisal_id}/evidence/{evidence_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Remove a piece of evidence (the person, while reviews are open)",
)
def evidence_delete(request, appraisal_id: int = AppraisalId, evidence_id: int = EvidenceId):
    appraisal = access.access_appraisal(request.user, appraisal_id)
    services.evidence_delete(actor=request.user, evidence=_evidence(appraisal, evidence_id))
    return Status(204, None)


# --- competencies ---


def _competency_rows(appraisal: Appraisal) -> list[dict]:
    rated = {r.competency_id: r.rating for r in selectors.competency_ratings(appraisal)}
    return [
        {"competency_id": c.pk, "name": c.name, "group": c.group, "rating": rated.get(c.pk)}
        for c in Competency.objects.filter(Q(is_active=True) | Q(pk__in=list(rated))).order_by(
            "group", "sort_order", "id"
        )
    ]


@router.get(
    "/appraisals/{appraisal_id}/competencies",
    response={200: list[CompetencyRatingOut], **READ_ERRORS},
    summary="The competency ratings (the radar's points)",
)
def competency_list(request, appraisal_id: int = AppraisalId):
    return _competency_rows(access.access_appraisal(request.user, appraisal_id))


@router.put(
    "/appraisals/{appraisal_id}/competencies",
    response={200: list[CompetencyRatingOut], **WRITE_ERRORS},
    summary="Rate competencies 1–5 (the line manager in the manager stage or calibration; HR)",
)
def competency_update(request, payload: CompetencyRatingsIn, appraisal_id: int = AppraisalId):
    appraisal = access.access_appraisal(request.user, appraisal_id)
    ratings: dict[int, int] = {}
    for row in payload.ratings:
        if row.competency_id in ratings:
            raise ApplicationError(
                _("Each competency is rated once."), field="competency_id", code="duplicate"
            )
        ratings[row.competency_id] = row.rating
    services.competency_ratings_save(actor=request.user, appraisal=appraisal, ratings=ratings)
    return _competency_rows(appraisal)
