"""Calibration (校准): a grade moved by HR, an admin or the department's manager, with who, when and why.

The move is recorded as a `CalibrationMove`; the appraisal's `calibrated_grade` holds the result (cleared
when the grade is moved back to the computed one) and the coefficient and bonus follow through
`services.scoring.apply_grade`, the one home of that rule.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from lodestar.appraisal import access
from lodestar.appraisal.domain import grades as grade_rules
from lodestar.appraisal.models import Appraisal, CalibrationMove, Cycle, Stage
from lodestar.appraisal.services import scoring
from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.services import Actor, bump_version, check_version
from lodestar.org.permissions import require_person

CALIBRATED_FIELDS = [
    "calibrated_grade",
    "grade",
    "bonus_coefficient",
    "bonus_amount",
    "version",
    "updated_at",
]


def cycle_grades(cycle: Cycle) -> list[str]:
    """The grades a cycle can give, highest first: S, A, B, C, and D when the thresholds bound C."""
    thresholds = grade_rules.thresholds_of(cycle.grade_thresholds)
    return ["S", "A", "B", "C"] + (["D"] if "C" in thresholds else [])


def calibrate(
    *, actor: Actor, appraisal: Appraisal, to_grade: str, reason: str, version: int | None
) -> CalibrationMove:
    """Move an appraisal's grade during the calibration stage and recompute its coefficient and bonus."""
    person = require_person(actor)
    if person is None:
        raise PermissionDeniedError(_("Your account is not linked to an active person in the organisation."))
    with transaction.atomic():
        appraisal = (
            Appraisal.objects.select_for_update(of=("self",))
            .select_related("cycle", "department")
            .get(pk=appraisal.pk)
        )
        cycle = appraisal.cycle
        if cycle.stage != Stage.CALIBRATION:
            raise ConflictError(
                _("Grades are moved during the calibration stage only."), code="not_calibration"
            )
        if not access.can_calibrate(actor, appraisal):
            raise PermissionDeniedError(
                _("Only HR partners, admins and the managers of its department calibrate this appraisal.")
            )
        check_version(appraisal, version)
        reason = (reason or "").strip()
        if not reason:
            raise ApplicationError(_("Say why the grade moves."), code="required", field="reason")
        current = appraisal.effective_grade
        if not current:
            raise ApplicationError(
                _("This appraisal has no final score yet: score it before moving its grade."),
                code="unscored",
                field="appraisal_id",
            )
        if to_grade not in cycle_grades(cycle):
            raise ApplicationError(_("This cycle cannot give that grade."), code="invalid", field="to_grade")
        if to_grade == current:
            raise ApplicationError(_("Choose a grade other than the current one."), field="to_grade")
        move = CalibrationMove.objects.create(
            appraisal=appraisal, from_grade=current, to_grade=to_grade, reason=reason, moved_by=person
        )
        appraisal.calibrated_grade = "" if to_grade == appraisal.grade else to_grade
        scoring.apply_grade(appraisal, cycle)
        bump_version(appraisal)
        appraisal.save(update_fields=CALIBRATED_FIELDS)
    move.appraisal = appraisal
    return move
