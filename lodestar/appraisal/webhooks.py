"""What appraisal tells event webhooks (lodestar/notifications/events.py): `appraisal.published`,
one event per appraisal of a published cycle, with the fields of `GET /appraisals/{id}` except pay
(`pay_base`, `bonus_amount`: HR partners and admins fetch them through the API) — docs/api.md,
"Webhooks".

A chat robot is told that the cycle is published, once per cycle, naming nobody and with no score,
grade or pay: a group chat is no place for a person's result (`publication_notice`)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from lodestar.appraisal.models import Appraisal, Cycle
from lodestar.appraisal.representation import appraisal_fields
from lodestar.notifications import events


def appraisal_data(appraisal: Appraisal) -> dict[str, Any]:
    return appraisal_fields(appraisal, shows_result=True)


def publication_notice(cycle: Cycle) -> events.Notice:
    def text() -> tuple[str, str]:
        return (
            _("Appraisal results published: %(cycle)s") % {"cycle": cycle.name},
            _("Everyone can now read their own result in Lodestar (results are not posted here)."),
        )

    return events.Notice(text=text, path=reverse("appraisal:home"), key=f"cycle:{cycle.pk}")


def emit_published(cycle: Cycle) -> None:
    """Announce `appraisal.published` for every appraisal of the cycle (one query when subscribed)."""
    cycle_id = cycle.pk

    def build():
        rows = Appraisal.objects.filter(cycle_id=cycle_id).select_related("cycle", "person", "department")
        rows = list(rows.order_by("id"))
        notice = publication_notice(rows[0].cycle) if rows else None
        return [events.Occurrence(a.department, appraisal_data(a), notice) for a in rows]

    events.emit_many("appraisal.published", build)
