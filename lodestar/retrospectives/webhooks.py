"""What retrospectives tell event webhooks (lodestar/notifications/events.py):
`retrospective.completed`, with the retrospective as `GET /retrospectives/{id}` answers it
(docs/api.md, "Webhooks")."""

from __future__ import annotations

from lodestar.notifications import events
from lodestar.retrospectives.models import Retrospective
from lodestar.retrospectives.schemas import RetrospectiveOut


def emit_completed(retrospective: Retrospective) -> None:
    retrospective_id = retrospective.pk

    def load():
        retrospective = Retrospective.objects.select_related("department").get(pk=retrospective_id)
        return retrospective.department, events.api_form(RetrospectiveOut, retrospective)

    events.emit("retrospective.completed", load)
