"""What retrospectives tell event webhooks (lodestar/notifications/events.py):
`retrospective.completed`, with the retrospective as `GET /retrospectives/{id}` answers it
(docs/api.md, "Webhooks"), and the short text a chat robot posts about it."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from lodestar.goals.templatetags.goal_tags import pct
from lodestar.goals.webhooks import audience as goal_audience
from lodestar.notifications import events
from lodestar.retrospectives.models import Retrospective
from lodestar.retrospectives.schemas import RetrospectiveOut

EXCERPT = 120  # characters of the highlights and problems a group chat gets


def retrospective_notice(retrospective: Retrospective) -> events.Notice:
    """Seen as `access.visible_retrospectives` says: a goal's by whoever sees the goal, a department's
    or a phase's by that department's people."""
    goal = retrospective.goal
    restricted_to = goal_audience(goal) if goal is not None else retrospective.department

    def text() -> tuple[str, str]:
        title = _("Retrospective completed: %(title)s") % {"title": retrospective.title}
        lines = []
        if retrospective.achievement_rate is not None:
            lines.append(_("Achievement: %(rate)s") % {"rate": pct(retrospective.achievement_rate)})
        if retrospective.highlights.strip():
            excerpt = Truncator(" ".join(retrospective.highlights.split())).chars(EXCERPT)
            lines.append(_("Highlights: %(text)s") % {"text": excerpt})
        if retrospective.problems.strip():
            excerpt = Truncator(" ".join(retrospective.problems.split())).chars(EXCERPT)
            lines.append(_("Problems: %(text)s") % {"text": excerpt})
        return title, "\n".join(lines)

    path = reverse("retrospectives:detail", args=[retrospective.pk])
    return events.Notice(text=text, path=path, restricted_to=restricted_to)


def emit_completed(retrospective: Retrospective) -> None:
    retrospective_id = retrospective.pk

    def load():
        retrospective = Retrospective.objects.select_related("department", "goal__department").get(
            pk=retrospective_id
        )
        return events.Occurrence(
            retrospective.department,
            events.api_form(RetrospectiveOut, retrospective),
            retrospective_notice(retrospective),
        )

    events.emit("retrospective.completed", load)
