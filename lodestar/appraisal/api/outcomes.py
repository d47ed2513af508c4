"""API: what follows a published result (API.md: /pips, /appeals, /composites; /appraisals/{id}/feedback,
/promotion-candidates). Thin endpoints over `access`, the outcome services and `outcome_selectors`:
404 for what the caller may not see, 403 for what they may see but not do, 409 for a stale version or a
state conflict, 422 with the field for a broken rule."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from lodestar.appraisal import access, outcome_selectors
from lodestar.appraisal.models import Appraisal, FeedbackMeeting, PipCheck
from lodestar.appraisal.schemas.outcomes import (
    AppealDecideIn,
    AppealFilter,
    AppealIn,
    AppealOut,
    AppealPage,
    CompositeFilter,
    CompositeIn,
    CompositeOut,
    CompositePage,
    FeedbackIn,
    FeedbackOut,
    PipCheckIn,
    PipCheckOut,
    PipCloseIn,
    PipFilter,
    PipIn,
    PipOut,
    PipPage,
    PipPatch,
    PromotionCandidateOut,
    PromotionFilter,
)
from lodestar.appraisal.services import appeals, composites, feedback, pips
from lodestar.core.errors import ApplicationError, NotFound, PermissionDeniedError
from lodestar.core.models import Period
from lodestar.core.schemas import LIST_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, page_out
from lodestar.org.models import Person
from lodestar.org.permissions import require_person

router = Router(tags=["appraisal"])

PipId = Path(..., le=MAX_ID, description="The improvement plan's id")
AppealId = Path(..., le=MAX_ID, description="The appeal's id")
AppraisalId = Path(..., le=MAX_ID, description="The appraisal's id")


def _person(pk: int, field: str = "person_id") -> Person:
    person = Person.objects.select_related("department").filter(pk=pk, is_active=True).first()
    if person is None:
        raise NotFound(_("Person not found."), field=field)
    return person


def _year(pk: int) -> Period:
    period = Period.objects.filter(pk=pk).first()
    if period is None:
        raise NotFound(_("Period not found."), field="year_period_id")
    return period


def _pip_out(pip_id: int, user):
    """The plan with its checks (one query more)."""
    return (
        access.visible_pips(user)
        .prefetch_related(Prefetch("checks", queryset=PipCheck.objects.order_by("date")))
        .get(pk=pip_id)
    )


# --- improvement plans --------------------------------------------------------------------------


@router.get("/pips", response={200: PipPage, **LIST_ERRORS}, summary="List improvement plans")
def pip_list(request, filters: Query[PipFilter]):
    require_person(request.user)
    qs = access.visible_pips(request.user).prefetch_related(
        Prefetch("checks", queryset=PipCheck.objects.order_by("date"))
    )
    if filters.person_id is not None:
        qs = qs.filter(person_id=filters.person_id)
    if filters.appraisal_id is not None:
        qs = qs.filter(appraisal_id=filters.appraisal_id)
    if filters.open is not None:
        qs = qs.filter(closed_at__isnull=filters.open)
    return page_out(qs.order_by("-starts", "-id"), filters.page, filters.page_size)


@router.post("/pips", response={201: PipOut, **WRITE_ERRORS}, summary="Open an improvement plan")
def pip_create(request, payload: PipIn):
    require_person(request.user)
    person = _person(payload.person_id)
    appraisal = None
    if payload.appraisal_id is not None:
        appraisal = access.access_appraisal(request.user, payload.appraisal_id)
    pip = pips.pip_create(
        actor=request.user,
        person=person,
        goals=payload.goals,
        mentor=_person(payload.mentor_id, "mentor_id") if payload.mentor_id else None,
        starts=payload.starts,
        ends=payload.ends,
        check_dates=payload.check_dates,
        appraisal=appraisal,
    )
    return Status(201, _pip_out(pip.pk, request.user))


@router.get("/pips/{pip_id}", response={200: PipOut, **READ_ERRORS}, summary="One improvement plan")
def pip_detail(request, pip_id: int = PipId):
    pip = access.access_pip(request.user, pip_id)
    return _pip_out(pip.pk, request.user)


@router.patch(
    "/pips/{pip_id}",
    response={200: PipOut, **WRITE_ERRORS},
    summary="Change the goals, mentor, check dates or end of an open plan",
)
def pip_update(request, payload: PipPatch, pip_id: int = PipId):
    pip = access.access_pip(request.user, pip_id)
    data = payload.dict(exclude_unset=True)
    for key in ("goals", "check_dates", "ends"):
        if key in data and data[key] is None:
            raise ApplicationError(_("This field cannot be empty."), field=key, code="required")
    kwargs = {k: data[k] for k in ("goals", "check_dates", "ends") if k in data}
    if "mentor_id" in data:
        kwargs["mentor"] = _person(data["mentor_id"], "mentor_id") if data["mentor_id"] else None
    pips.pip_update(actor=request.user, pip=pip, version=payload.version, **kwargs)
    return _pip_out(pip.pk, request.user)


@router.post(
    "/pips/{pip_id}/checks",
    response={201: PipCheckOut, **WRITE_ERRORS},
    summary="Record the result of a check date (again: corrects it)",
)
def pip_check(request, payload: PipCheckIn, pip_id: int = PipId):
    pip = access.access_pip(request.user, pip_id)
    check = pips.pip_check_record(
        actor=request.user, pip=pip, date=payload.date, on_track=payload.on_track, note=payload.note
    )
    return Status(201, check)


@router.post(
    "/pips/{pip_id}/close",
    response={200: PipOut, **WRITE_ERRORS},
    summary="Close with an outcome (improved, extended, not_improved)",
)
def pip_close(request, payload: PipCloseIn, pip_id: int = PipId):
    pip = access.access_pip(request.user, pip_id)
    pips.pip_close(
        actor=request.user,
        pip=pip,
        outcome=payload.outcome,
        outcome_note=payload.outcome_note,
        version=payload.version,
    )
    return _pip_out(pip.pk, request.user)


# --- feedback meetings --------------------------------------------------------------------------


def _feedback(appraisal: Appraisal) -> FeedbackMeeting:
    meeting = FeedbackMeeting.objects.filter(appraisal=appraisal).first()
    if meeting is None:
        raise NotFound(_("No feedback meeting has been written yet."), field="appraisal_id")
    return meeting


@router.get(
    "/appraisals/{appraisal_id}/feedback",
    response={200: FeedbackOut, **READ_ERRORS},
    summary="The feedback meeting of an appraisal (404 until written)",
)
def feedback_detail(request, appraisal_id: int = AppraisalId):
    return _feedback(access.access_appraisal(request.user, appraisal_id))


@router.put(
    "/appraisals/{appraisal_id}/feedback",
    response={200: FeedbackOut, **WRITE_ERRORS},
    summary="Write the feedback meeting (line manager or HR, once published; clears acknowledgements)",
)
def feedback_put(request, payload: FeedbackIn, appraisal_id: int = AppraisalId):
    appraisal = access.access_appraisal(request.user, appraisal_id)
    return feedback.feedback_save(
        actor=request.user,
        appraisal=appraisal,
        held_on=payload.held_on,
        notes=payload.notes,
        data_and_examples=payload.data_and_examples,
        next_steps=payload.next_steps,
        version=payload.version,
    )


@router.post(
    "/appraisals/{appraisal_id}/feedback/acknowledge",
    response={200: FeedbackOut, **WRITE_ERRORS},
    summary="Acknowledge the meeting notes (the person, or the line manager; once each)",
)
def feedback_ack(request, appraisal_id: int = AppraisalId):
    appraisal = access.access_appraisal(request.user, appraisal_id)
    return feedback.feedback_acknowledge(actor=request.user, appraisal=appraisal)


# --- appeals ------------------------------------------------------------------------------------


@router.get(
    "/appeals",
    response={200: AppealPage, **LIST_ERRORS},
    summary="List appeals (your own; the committee and admins: all)",
)
def appeal_list(request, filters: Query[AppealFilter]):
    require_person(request.user)
    qs = access.visible_appeals(request.user).select_related("appraisal")
    if filters.appraisal_id is not None:
        qs = qs.filter(appraisal_id=filters.appraisal_id)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    return page_out(qs.order_by("-created_at", "-id"), filters.page, filters.page_size)


@router.post("/appeals", response={201: AppealOut, **WRITE_ERRORS}, summary="Appeal a published result")
def appeal_create(request, payload: AppealIn):
    appraisal = access.access_appraisal(request.user, payload.appraisal_id)
    return Status(201, appeals.appeal_create(actor=request.user, appraisal=appraisal, reason=payload.reason))


@router.get("/appeals/{appeal_id}", response={200: AppealOut, **READ_ERRORS}, summary="One appeal")
def appeal_detail(request, appeal_id: int = AppealId):
    return access.access_appeal(request.user, appeal_id)


@router.post(
    "/appeals/{appeal_id}/decide",
    response={200: AppealOut, **WRITE_ERRORS},
    summary="Decide an appeal (committee, admins): upheld with an optional new grade, or rejected",
)
def appeal_decide(request, payload: AppealDecideIn, appeal_id: int = AppealId):
    appeal = access.access_appeal(request.user, appeal_id)
    return appeals.appeal_decide(
        actor=request.user,
        appeal=appeal,
        status=payload.status,
        decision=payload.decision,
        new_grade=payload.new_grade,
        version=payload.version,
    )


# --- composites ---------------------------------------------------------------------------------


@router.get("/composites", response={200: CompositePage, **LIST_ERRORS}, summary="List annual composites")
def composite_list(request, filters: Query[CompositeFilter]):
    require_person(request.user)
    qs = access.visible_composites(request.user)
    if filters.year_period_id is not None:
        qs = qs.filter(year_period_id=filters.year_period_id)
    if filters.person_id is not None:
        qs = qs.filter(person_id=filters.person_id)
    return page_out(qs.order_by("year_period_id", "person_id"), filters.page, filters.page_size)


@router.post(
    "/composites",
    response={201: CompositeOut, **WRITE_ERRORS},
    summary="Compute a person's composite of a fiscal year from their published finals (HR, admins)",
)
def composite_create(request, payload: CompositeIn):
    require_person(request.user)
    access.require_runner(request.user)
    composite = composites.composite_compute(
        actor=request.user,
        person=_person(payload.person_id),
        year_period=_year(payload.year_period_id),
        weights=payload.weights.dict() if payload.weights is not None else None,
    )
    return Status(201, composite)


# --- promotion candidates -----------------------------------------------------------------------


@router.get(
    "/promotion-candidates",
    response={200: list[PromotionCandidateOut], **LIST_ERRORS},
    summary="People with two consecutive quarterly A or S (HR, admins)",
)
def promotion_candidates(request, filters: Query[PromotionFilter]):
    require_person(request.user)
    if not access.can_see_promotions(request.user):
        raise PermissionDeniedError(_("Only HR partners and admins see promotion candidates."))
    year = _year(filters.year_period_id) if filters.year_period_id is not None else None
    return [
        {
            "person_id": c.person.pk,
            "display_name": c.person.display_name,
            "department_id": c.person.department_id,
            "first": c.first.__dict__,
            "second": c.second.__dict__,
        }
        for c in outcome_selectors.promotion_candidates(year_period=year)
    ]
