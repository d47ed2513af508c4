"""What tracking tells event webhooks (lodestar/notifications/events.py): `checkin.recorded`, with
the check-in as `GET /check-ins/{id}` answers it (docs/api.md, "Webhooks")."""

from __future__ import annotations

from lodestar.notifications import events
from lodestar.tracking.models import CheckIn
from lodestar.tracking.schemas import CheckInOut


def emit_checkin(checkin: CheckIn) -> None:
    """Announce `checkin.recorded` (a new or corrected check-in, reported or fed from a source)."""
    checkin_id = checkin.pk

    def load():
        checkin = CheckIn.all_objects.select_related(
            "measure__goal__department", "item__department", "deviation_category"
        ).get(pk=checkin_id)
        if checkin.measure_id:
            department = checkin.measure.goal.department
        else:
            department = checkin.item.department if checkin.item_id else None
        return department, events.api_form(CheckInOut, checkin)

    events.emit("checkin.recorded", load)
