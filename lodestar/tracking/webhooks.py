"""What tracking tells event webhooks (lodestar/notifications/events.py): `checkin.recorded`, with
the check-in as `GET /check-ins/{id}` answers it (docs/api.md, "Webhooks"), and the short text a chat
robot posts about it (`checkin_notice`)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from lodestar.core.numbers import short_figure
from lodestar.goals.models import Visibility
from lodestar.goals.webhooks import audience as goal_audience
from lodestar.notifications import events
from lodestar.tracking.models import CheckIn
from lodestar.tracking.schemas import CheckInOut


def checkin_notice(checkin: CheckIn) -> events.Notice:
    """A measure's check-in is seen by whoever sees its goal; an item's by the item's department (and
    by everyone when the item serves a public goal)."""
    if checkin.measure_id:
        measure, item = checkin.measure, None
        subject, unit, goal = f"{measure.goal.name} · {measure.name}", measure.unit_display, measure.goal
        restricted_to = goal_audience(goal)
        path = reverse("goals:detail", args=[goal.pk])
    else:
        measure, item = None, checkin.item
        subject, unit, goal = item.title, item.unit, item.goal
        public = goal is not None and goal.visibility == Visibility.PUBLIC
        restricted_to = None if public else item.department
        path = reverse("execution:detail", args=[item.pk])

    def text() -> tuple[str, str]:
        language = get_language()

        def figure(value) -> str:
            return short_figure(value, unit, language=language) or "—"

        title = _("%(author)s checked in: %(subject)s") % {
            "author": checkin.author.display_name,
            "subject": subject,
        }
        parts = [f"{checkin.period_start:%m-%d} – {checkin.period_end:%m-%d}"]
        if checkin.actual is not None:
            parts.append(_("actual %(value)s") % {"value": figure(checkin.actual)})
        if checkin.cumulative is not None:
            parts.append(_("cumulative %(value)s") % {"value": figure(checkin.cumulative)})
        if measure is not None:
            parts.append(_("target %(value)s") % {"value": figure(measure.target)})
        return title, " · ".join(parts)

    return events.Notice(text=text, path=path, restricted_to=restricted_to)


def emit_checkin(checkin: CheckIn) -> None:
    """Announce `checkin.recorded` (a new or corrected check-in, reported or fed from a source)."""
    checkin_id = checkin.pk

    def load():
        checkin = CheckIn.all_objects.select_related(
            "measure__goal__department",
            "item__department",
            "item__goal",
            "deviation_category",
            "author",
        ).get(pk=checkin_id)
        if checkin.measure_id:
            department = checkin.measure.goal.department
        else:
            department = checkin.item.department if checkin.item_id else None
        notice = checkin_notice(checkin) if checkin.measure_id or checkin.item_id else None
        return events.Occurrence(department, events.api_form(CheckInOut, checkin), notice)

    events.emit("checkin.recorded", load)
