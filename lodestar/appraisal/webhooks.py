"""What appraisal tells event webhooks (lodestar/notifications/events.py): `appraisal.published`,
one event per appraisal of a published cycle, with the fields of `GET /appraisals/{id}` except pay
(`pay_base`, `bonus_amount`: HR partners and admins fetch them through the API) — docs/api.md,
"Webhooks"."""

from __future__ import annotations

from typing import Any

from lodestar.appraisal.models import Appraisal, Cycle
from lodestar.core.numbers import amount_str
from lodestar.notifications import events


def _decimal(value) -> str | None:
    return None if value is None else f"{value:f}"


def appraisal_data(appraisal: Appraisal) -> dict[str, Any]:
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
        "final_score": amount_str(appraisal.final_score),
        "grade": appraisal.grade or None,
        "calibrated_grade": appraisal.calibrated_grade or None,
        "bonus_coefficient": _decimal(appraisal.bonus_coefficient),
        "scored_at": appraisal.scored_at,
        "version": appraisal.version,
    }


def emit_published(cycle: Cycle) -> None:
    """Announce `appraisal.published` for every appraisal of the cycle (one query when subscribed)."""
    cycle_id = cycle.pk

    def build():
        rows = Appraisal.objects.filter(cycle_id=cycle_id).select_related("cycle", "person", "department")
        return [(a.department, appraisal_data(a)) for a in rows.order_by("id")]

    events.emit_many("appraisal.published", build)
