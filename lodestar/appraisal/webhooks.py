"""What appraisal tells event webhooks (lodestar/notifications/events.py): `appraisal.published`,
one event per appraisal of a published cycle, with the fields of `GET /appraisals/{id}` except pay
(`pay_base`, `bonus_amount`: HR partners and admins fetch them through the API) — docs/api.md,
"Webhooks"."""

from __future__ import annotations

from typing import Any

from lodestar.appraisal.models import Appraisal, Cycle
from lodestar.appraisal.representation import appraisal_fields
from lodestar.notifications import events


def appraisal_data(appraisal: Appraisal) -> dict[str, Any]:
    return appraisal_fields(appraisal, shows_result=True)


def emit_published(cycle: Cycle) -> None:
    """Announce `appraisal.published` for every appraisal of the cycle (one query when subscribed)."""
    cycle_id = cycle.pk

    def build():
        rows = Appraisal.objects.filter(cycle_id=cycle_id).select_related("cycle", "person", "department")
        return [(a.department, appraisal_data(a)) for a in rows.order_by("id")]

    events.emit_many("appraisal.published", build)
