"""An appraisal as the outside world reads it: the fields of `GET /appraisals/{id}` without pay, shared
by the API (which hides the result from readers who may not see it and adds pay for those who may) and
the `appraisal.published` webhook (result shown, never pay)."""

from __future__ import annotations

from typing import Any

from lodestar.appraisal.models import Appraisal
from lodestar.core.numbers import amount_str


def _decimal(value) -> str | None:
    return None if value is None else f"{value:f}"


def appraisal_fields(appraisal: Appraisal, *, shows_result: bool) -> dict[str, Any]:
    """The appraisal's fields; with `shows_result` false its score, grades and coefficient are None."""
    return {
        "id": appraisal.pk,
        "cycle_id": appraisal.cycle_id,
        "cycle_name": appraisal.cycle.name,
        "stage": appraisal.cycle.stage,
        "person_id": appraisal.person_id,
        "person_name": appraisal.person.display_name,
        "department_id": appraisal.department_id,
        "position_id": appraisal.position_id,
        "template_id": appraisal.template_id,
        "manager_id": appraisal.manager_id,
        "final_score": amount_str(appraisal.final_score) if shows_result else None,
        "grade": (appraisal.grade or None) if shows_result else None,
        "calibrated_grade": (appraisal.calibrated_grade or None) if shows_result else None,
        "bonus_coefficient": _decimal(appraisal.bonus_coefficient) if shows_result else None,
        "scored_at": appraisal.scored_at,
        "version": appraisal.version,
    }
