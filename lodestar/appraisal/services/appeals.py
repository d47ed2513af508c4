"""Appeals (申诉): the person contests a published result with a reason; the committee (marketing, HR and
finance members) or an admin decides, and the decision is recorded. An upheld appeal with a new grade is
the one way a published result changes: a CalibrationMove linked to the appeal records it, the
coefficient and bonus follow through `services.scoring.apply_grade`, and the improvement plan follows
through `services.pips.pips_follow_regrade` (a new C or D opens one; B or better closes it)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.appraisal import access
from lodestar.appraisal.domain import grades as grade_rules
from lodestar.appraisal.models import Appeal, AppealStatus, Appraisal, CalibrationMove, CommitteeMember
from lodestar.appraisal.services import pips, scoring
from lodestar.appraisal.services._outcomes import actor_person, clean_text, notify_on_commit
from lodestar.appraisal.services.cycles import appraisal_url
from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.services import Actor, bump_version, check_version, validated_save
from lodestar.org.models import Person

APPEALS_URL = "/appraisal/appeals/"
DECISIONS = (AppealStatus.UPHELD, AppealStatus.REJECTED)


def grades_of(appraisal: Appraisal) -> list[str]:
    """The grades the appraisal's cycle can give: S, A, B, C, and D when C has a lower bound."""
    thresholds = grade_rules.thresholds_of(appraisal.cycle.grade_thresholds)
    return ["S", "A", "B", "C"] + (["D"] if "C" in thresholds else [])


def appeal_create(*, actor: Actor, appraisal: Appraisal, reason: str) -> Appeal:
    """The person appeals their published result (one open appeal at a time)."""
    me = actor_person(actor)
    if not access.can_appeal(actor, appraisal):
        if access.is_own(actor, appraisal) and not appraisal.cycle.is_published:
            raise ConflictError(_("A result can be appealed once it is published."), code="not_published")
        raise PermissionDeniedError(_("Only the person appraised appeals their result."))
    text = clean_text(reason, "reason", required=True)
    with transaction.atomic():
        Appraisal.objects.select_for_update().filter(pk=appraisal.pk).first()
        if Appeal.objects.filter(appraisal=appraisal, status=AppealStatus.OPEN).exists():
            raise ConflictError(
                _("This result already has an open appeal: wait for the committee's decision."),
                code="appeal_open",
                field="appraisal_id",
            )
        appeal = validated_save(Appeal(appraisal=appraisal, reason=text))
        committee = Person.objects.filter(
            pk__in=CommitteeMember.objects.values("person_id"), is_active=True
        ).exclude(pk=me.pk)
        notify_on_commit(
            list(committee),
            me,
            _("%(name)s appealed the result of %(cycle)s.")
            % {"name": appraisal.person.display_name, "cycle": appraisal.cycle.name},
            APPEALS_URL,
        )
    appeal.appraisal = appraisal
    return appeal


def appeal_decide(
    *,
    actor: Actor,
    appeal: Appeal,
    status: str,
    decision: str,
    new_grade: str = "",
    version: int | None = None,
) -> Appeal:
    """Uphold or reject an open appeal with the decision written down. Upheld with a new grade: the grade
    moves (recorded as a calibration move of the appeal), and with it the coefficient, the bonus and the
    improvement plan (opened for a new C or D, closed when the grade moves up to B or better)."""
    me = actor_person(actor)
    if status not in DECISIONS:
        raise ApplicationError(_("Choose upheld or rejected."), field="status")
    text = clean_text(decision, "decision", required=True)
    new_grade = (new_grade or "").strip()
    with transaction.atomic():
        appeal = (
            Appeal.objects.select_for_update(of=("self",))
            .select_related("appraisal__cycle", "appraisal__person", "appraisal__department")
            .get(pk=appeal.pk)
        )
        check_version(appeal, version)
        if appeal.status != AppealStatus.OPEN:
            raise ConflictError(_("This appeal is already decided."), code="appeal_decided")
        if not access.can_decide_appeal(actor, appeal):
            raise PermissionDeniedError(_("Only the appeals committee and admins decide appeals."))
        appraisal = (
            Appraisal.objects.select_for_update()
            .select_related("cycle", "person")
            .get(pk=appeal.appraisal_id)
        )
        if new_grade:
            if status != AppealStatus.UPHELD:
                raise ApplicationError(
                    _("Only an upheld appeal changes the grade."), field="new_grade", code="not_upheld"
                )
            if new_grade not in grades_of(appraisal):
                raise ApplicationError(_("Choose a grade this cycle gives."), field="new_grade")
            if new_grade == appraisal.effective_grade:
                raise ApplicationError(_("This is the current grade."), field="new_grade", code="same_grade")
        appeal.status = status
        appeal.decision = text
        appeal.new_grade = new_grade
        appeal.decided_by = me
        appeal.decided_at = timezone.now()
        bump_version(appeal)
        appeal.save()
        if new_grade:
            old_grade = appraisal.effective_grade
            CalibrationMove.objects.create(
                appraisal=appraisal,
                from_grade=old_grade,
                to_grade=new_grade,
                reason=text,
                moved_by=me,
                appeal=appeal,
            )
            appraisal.calibrated_grade = new_grade
            scoring.apply_grade(appraisal, appraisal.cycle)
            bump_version(appraisal)
            appraisal.save(
                update_fields=[
                    "calibrated_grade",
                    "grade",
                    "bonus_coefficient",
                    "bonus_amount",
                    "version",
                    "updated_at",
                ]
            )
            pips.pips_follow_regrade(appraisal=appraisal, old_grade=old_grade, by=me, reason=text)
        if status == AppealStatus.UPHELD:
            title = _("Your appeal on %(cycle)s was upheld.") % {"cycle": appraisal.cycle.name}
        else:
            title = _("Your appeal on %(cycle)s was rejected.") % {"cycle": appraisal.cycle.name}
        notify_on_commit([appraisal.person], me, title, appraisal_url(appraisal))
    appeal.appraisal = appraisal
    return appeal
