"""What goals tell event webhooks (lodestar/notifications/events.py): `goal.created` and
`goal.changed`, with the goal as `GET /goals/{id}` answers it (docs/api.md, "Webhooks"), and the
short text a chat robot posts about it (`goal_notice`)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from lodestar.core.numbers import short_figure
from lodestar.goals.models import Goal, Visibility
from lodestar.goals.schemas.goals import GoalOut
from lodestar.goals.templatetags.goal_tags import pct
from lodestar.notifications import events

MEASURES_SHOWN = 3


def audience(goal: Goal):
    """Who sees the goal, as `events.Notice.restricted_to` wants it: None when public to the company, else
    its department (a department-only goal: its people, its managers and the owner)."""
    return None if goal.visibility == Visibility.PUBLIC else goal.department


def goal_notice(event: str, goal: Goal) -> events.Notice:
    def text() -> tuple[str, str]:
        if event == "goal.created":
            title = _("New goal: %(name)s") % {"name": goal.name}
        else:
            title = _("Goal changed: %(name)s") % {"name": goal.name}
        who = " · ".join(
            str(part)
            for part in (goal.department.name, goal.owner.display_name if goal.owner else "", goal.period)
            if part
        )
        lines = [who]
        language = get_language()
        for measure in list(goal.measures.all())[:MEASURES_SHOWN]:
            lines.append(
                _("%(measure)s: target %(target)s")
                % {
                    "measure": measure.name,
                    "target": short_figure(measure.target, measure.unit_display, language=language),
                }
            )
        lines.append(
            _("Status: %(status)s · achievement %(rate)s · %(health)s")
            % {
                "status": goal.get_status_display(),
                "rate": pct(goal.achievement_rate),
                "health": goal.get_health_display(),
            }
        )
        return title, "\n".join(lines)

    return events.Notice(
        text=text, path=reverse("goals:detail", args=[goal.pk]), restricted_to=audience(goal)
    )


def emit_goal(event: str, goal: Goal) -> None:
    """Announce `goal.created` or `goal.changed` after the current transaction commits, with the goal
    as it then stands (read only when an endpoint subscribes)."""
    goal_id = goal.pk

    def load():
        goal = (
            Goal.all_objects.select_related("goal_type", "period", "department", "owner")
            .prefetch_related("measures", "collaborating_departments")
            .get(pk=goal_id)
        )
        return events.Occurrence(goal.department, events.api_form(GoalOut, goal), goal_notice(event, goal))

    events.emit(event, load)
