"""The person-facing side of an appraisal: reviews (self, manager, cross-department peers) with their 1–5
ratings, the request of peer reviewers, the self review's evidence pack and the manager's competency ratings.

Every service is keyword-only, checks its rule in `appraisal.access` and raises the project's errors.
A submitted review is final; submitting one rescores the appraisal (`services.scoring.rescore`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.appraisal import access
from lodestar.appraisal.models import (
    Appraisal,
    Competency,
    CompetencyRating,
    Evidence,
    EvidenceKind,
    Indicator,
    IndicatorKind,
    Rating,
    Review,
    ReviewRole,
    ReviewStatus,
)
from lodestar.appraisal.services import scoring
from lodestar.core.errors import ApplicationError, ConflictError, NotFound, PermissionDeniedError
from lodestar.core.services import Actor, bump_version, check_version, validated_save
from lodestar.execution.access import visible_items
from lodestar.execution.services import comments as execution_comments
from lodestar.goals.access import visible_goals
from lodestar.notifications.services import notify
from lodestar.org.models import Person
from lodestar.org.permissions import person_of, require_person
from lodestar.tracking.access import visible_checkins

SUMMARY_LIMIT = 4000
COMMENT_LIMIT = 2000
NOTE_LIMIT = 300


def review_url(review: Review) -> str:
    return f"/appraisal/reviews/{review.pk}/"


def appraisal_url(appraisal: Appraisal) -> str:
    return f"/appraisal/{appraisal.pk}/"


def _actor_person(actor: Actor) -> Person:
    person = require_person(actor)
    if person is None:
        raise PermissionDeniedError(_("Your account is not linked to a person in the organisation."))
    return person


def _text(value: Any, field: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApplicationError(_("Enter a text."), field=field)
    value = value.strip()
    if len(value) > limit:
        raise ApplicationError(
            _("Enter at most %(max)s characters.") % {"max": limit}, field=field, code="too_long"
        )
    return value


def _rating_value(value: Any, field: str = "rating") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ApplicationError(_("A rating is a whole number from 1 to 5."), field=field, code="rating_range")
    return value


# --- reviews --------------------------------------------------------------------------------------


def qualitative_indicators(appraisal: Appraisal) -> list[Indicator]:
    return list(
        Indicator.objects.filter(template_id=appraisal.template_id, kind=IndicatorKind.QUALITATIVE).order_by(
            "sort_order", "id"
        )
    )


def clean_ratings(appraisal: Appraisal, ratings: Iterable[Mapping[str, Any]]) -> list[tuple[int, int, str]]:
    """[(indicator_id, rating, comment)] for the appraisal template's qualitative indicators only."""
    allowed = {i.pk for i in qualitative_indicators(appraisal)}
    cleaned: list[tuple[int, int, str]] = []
    seen: set[int] = set()
    for row in ratings:
        if not isinstance(row, Mapping):
            raise ApplicationError(_("Each rating needs an indicator and a rating."), field="ratings")
        indicator_id = row.get("indicator_id")
        if isinstance(indicator_id, bool) or not isinstance(indicator_id, int) or indicator_id not in allowed:
            raise ApplicationError(
                _("Rate only the qualitative indicators of this appraisal's template."),
                field="indicator_id",
                code="not_qualitative",
            )
        if indicator_id in seen:
            raise ApplicationError(
                _("Each indicator is rated once."), field="indicator_id", code="duplicate_indicator"
            )
        seen.add(indicator_id)
        cleaned.append(
            (
                indicator_id,
                _rating_value(row.get("rating")),
                _text(row.get("comment"), "comment", COMMENT_LIMIT),
            )
        )
    return cleaned


def review_save(
    *,
    actor: Actor,
    review: Review,
    version: int | None,
    ratings: Iterable[Mapping[str, Any]] | None = None,
    summary: str | None = None,
    anonymous: bool | None = None,
    submit: bool = False,
) -> Review:
    """Save a review's ratings and comments (a draft stays pending); `submit=True` makes it final."""
    _actor_person(actor)
    with transaction.atomic():
        review = (
            Review.objects.select_for_update(of=("self",))
            .select_related("appraisal__cycle", "appraisal__department", "appraisal__person", "reviewer")
            .get(pk=review.pk)
        )
        if review.status == ReviewStatus.SUBMITTED:
            raise ConflictError(
                _("This review has been submitted: it cannot change."), code="review_submitted"
            )
        if not access.can_write_review(actor, review):
            raise PermissionDeniedError(_("You may not change this review."))
        check_version(review, version)
        appraisal = review.appraisal
        cleaned = clean_ratings(appraisal, ratings) if ratings is not None else None
        if anonymous is not None:
            if anonymous and review.role != ReviewRole.PEER:
                raise ApplicationError(
                    _("Only a cross-department review can be anonymous."), field="anonymous", code="not_peer"
                )
            review.anonymous = bool(anonymous)
        if summary is not None:
            review.summary = _text(summary, "summary", SUMMARY_LIMIT)
        if cleaned is not None:
            existing = {r.indicator_id: r for r in review.ratings.all()}
            for indicator_id, value, comment in cleaned:
                row = existing.get(indicator_id)
                if row is None:
                    Rating.objects.create(
                        review=review, indicator_id=indicator_id, rating=value, comment=comment
                    )
                elif (row.rating, row.comment) != (value, comment):
                    row.rating, row.comment = value, comment
                    row.save(update_fields=["rating", "comment"])
        if submit:
            rated = set(review.ratings.values_list("indicator_id", flat=True))
            needed = {i.pk for i in qualitative_indicators(appraisal)}
            if review.role == ReviewRole.PEER:
                if not rated & needed:
                    raise ApplicationError(
                        _("Rate at least one indicator before submitting."),
                        field="ratings",
                        code="incomplete",
                    )
            elif needed - rated:
                raise ApplicationError(
                    _("Rate every qualitative indicator before submitting."),
                    field="ratings",
                    code="incomplete",
                )
            review.status = ReviewStatus.SUBMITTED
            review.submitted_at = timezone.now()
        bump_version(review)
        review.save()
        if submit:
            scoring.rescore(appraisal)
    return review


# --- peers ----------------------------------------------------------------------------------------


def peer_request(*, actor: Actor, appraisal: Appraisal, reviewer_ids: Iterable[int]) -> list[Review]:
    """Name cross-department reviewers of an appraisal; each is told by a notification."""
    requester = person_of(actor)
    if not access.can_request_peers(actor, appraisal):
        raise PermissionDeniedError(
            _("Only the line managers and HR name reviewers, while reviews are open.")
        )
    ids = list(dict.fromkeys(reviewer_ids))
    if not ids:
        raise ApplicationError(_("Choose at least one reviewer."), field="reviewer_id", code="required")
    with transaction.atomic():
        people = {p.pk: p for p in Person.objects.filter(pk__in=ids, is_active=True)}
        taken = set(
            Review.objects.filter(appraisal=appraisal, role=ReviewRole.PEER, reviewer_id__in=ids).values_list(
                "reviewer_id", flat=True
            )
        )
        reviews = []
        for pk in ids:
            if pk == appraisal.person_id:
                raise ApplicationError(
                    _("One cannot review oneself: choose someone other than the person appraised."),
                    field="reviewer_id",
                    code="self_review",
                )
            person = people.get(pk)
            if person is None:
                raise ApplicationError(
                    _("Choose an active person."), field="reviewer_id", code="inactive_person"
                )
            if pk in taken:
                raise ApplicationError(
                    _("%(name)s already reviews this appraisal.") % {"name": person.display_name},
                    field="reviewer_id",
                    code="already_reviewer",
                )
            reviews.append(
                validated_save(
                    Review(
                        appraisal=appraisal, reviewer=person, role=ReviewRole.PEER, requested_by=requester
                    ),
                    validate_constraints=False,
                )
            )
        title = _("You are asked for a cross-department review of %(name)s (%(cycle)s).") % {
            "name": appraisal.person.display_name,
            "cycle": appraisal.cycle.name,
        }
        for review in reviews:
            transaction.on_commit(
                lambda review=review: notify(  # type: ignore[misc]
                    recipients=[review.reviewer],
                    actor=requester,
                    verb="appraisal",
                    title=title,
                    url=review_url(review),
                )
            )
    return reviews


def peer_remove(*, actor: Actor, review: Review) -> None:
    if review.role != ReviewRole.PEER:
        raise ApplicationError(
            _("Only a cross-department review can be removed."), field="review_id", code="not_peer"
        )
    if review.status != ReviewStatus.PENDING:
        raise ConflictError(
            _("This review has been submitted: it cannot be removed."), code="review_submitted"
        )
    if not access.can_remove_peer(actor, review):
        raise PermissionDeniedError(
            _("Only the line managers and HR remove reviewers, while reviews are open.")
        )
    with transaction.atomic():
        Review.objects.filter(pk=review.pk, status=ReviewStatus.PENDING).delete()


# --- evidence pack --------------------------------------------------------------------------------


def _check_upload(upload: UploadedFile | None) -> str:
    if upload is None:
        raise ApplicationError(_("Choose a file."), field="file", code="required")
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if extension not in execution_comments.ALLOWED_EXTENSIONS:
        raise ApplicationError(
            _("Files of type “%(ext)s” are not accepted.") % {"ext": extension or "?"},
            field="file",
            code="file_type",
        )
    if upload.size is None or upload.size > execution_comments.MAX_ATTACHMENT_BYTES:
        raise ApplicationError(_("A file can be at most 10 MB."), field="file", code="file_too_large")
    return name


def _case_model() -> Any:
    # knowledge sits on appraisal's floor (no imports between them): the model through the relation.
    return Evidence._meta.get_field("case").related_model


def evidence_add(
    *,
    actor: Actor,
    appraisal: Appraisal,
    kind: str,
    upload: UploadedFile | None = None,
    url: str = "",
    goal: Any = None,
    item: Any = None,
    checkin: Any = None,
    case: Any = None,
    note: str = "",
) -> Evidence:
    """Add a piece to the person's evidence pack: a file, a link, or a goal/item/check-in/case they may see."""
    person = _actor_person(actor)
    if not access.can_add_evidence(actor, appraisal):
        raise PermissionDeniedError(_("Only the person appraised adds evidence, while reviews are open."))
    if kind not in EvidenceKind.values:
        raise ApplicationError(_("Choose a kind of evidence."), field="kind")
    evidence = Evidence(appraisal=appraisal, kind=kind, note=_text(note, "note", NOTE_LIMIT), added_by=person)
    if kind == EvidenceKind.FILE:
        evidence.name = _check_upload(upload)
        evidence.size = upload.size or 0  # type: ignore[union-attr]
        evidence.content_type = (getattr(upload, "content_type", "") or "")[:100]
        evidence.file = upload
    elif kind == EvidenceKind.LINK:
        url = (url or "").strip()
        if not url:
            raise ApplicationError(_("Enter a link."), field="url", code="required")
        evidence.url = url
        evidence.name = url[:200]
    elif kind == EvidenceKind.GOAL:
        if goal is None or not visible_goals(actor).filter(pk=goal.pk).exists():
            raise NotFound(_("Goal not found."), field="goal_id")
        evidence.goal, evidence.name = goal, goal.name[:200]
    elif kind == EvidenceKind.ITEM:
        if item is None or not visible_items(actor).filter(pk=item.pk).exists():
            raise NotFound(_("Action item not found."), field="item_id")
        evidence.item, evidence.name = item, item.title[:200]
    elif kind == EvidenceKind.CHECKIN:
        if checkin is None or not visible_checkins(actor).filter(pk=checkin.pk).exists():
            raise NotFound(_("Check-in not found."), field="checkin_id")
        evidence.checkin = checkin
        evidence.name = f"{checkin}"[:200]
    elif kind == EvidenceKind.CASE:
        # Cases are the company's shared knowledge: every signed-in person reads them.
        if case is None or not _case_model().objects.filter(pk=case.pk).exists():
            raise NotFound(_("Case not found."), field="case_id")
        evidence.case, evidence.name = case, str(getattr(case, "title", case))[:200]
    with transaction.atomic():
        return validated_save(evidence)


def evidence_delete(*, actor: Actor, evidence: Evidence) -> None:
    if not access.can_add_evidence(actor, evidence.appraisal):
        raise PermissionDeniedError(
            _("Only the person appraised changes the evidence, while reviews are open.")
        )
    stored = evidence.file.name if evidence.file else ""
    storage = evidence.file.storage if evidence.file else None
    with transaction.atomic():
        evidence.delete()
        if stored and storage is not None:
            transaction.on_commit(lambda: storage.delete(stored))


# --- competencies -----------------------------------------------------------------------------------


def competency_ratings_save(
    *, actor: Actor, appraisal: Appraisal, ratings: Mapping[int, int]
) -> list[CompetencyRating]:
    """The manager's 1–5 rating per competency (the radar's points); an existing rating is replaced."""
    person = _actor_person(actor)
    if appraisal.cycle.is_published:
        raise ConflictError(_("This cycle is published: its results are locked."), code="published")
    if not access.can_rate_competencies(actor, appraisal):
        raise PermissionDeniedError(
            _("The line manager rates competencies during the manager review or calibration; HR at any time.")
        )
    competencies = {c.pk: c for c in Competency.objects.filter(pk__in=list(ratings), is_active=True)}
    cleaned: dict[int, int] = {}
    for competency_id, value in ratings.items():
        if competency_id not in competencies:
            raise ApplicationError(
                _("Choose an active competency."), field="competency_id", code="unknown_competency"
            )
        cleaned[competency_id] = _rating_value(value)
    with transaction.atomic():
        existing = {
            r.competency_id: r
            for r in CompetencyRating.objects.select_for_update().filter(appraisal=appraisal)
        }
        for competency_id, value in cleaned.items():
            row = existing.get(competency_id)
            if row is None:
                CompetencyRating.objects.create(
                    appraisal=appraisal, competency_id=competency_id, rating=value, rated_by=person
                )
            elif row.rating != value:
                row.rating, row.rated_by = value, person
                row.save(update_fields=["rating", "rated_by"])
    return list(CompetencyRating.objects.filter(appraisal=appraisal).select_related("competency"))
